// Small SVG charts for the console, drawn by hand: a chart library would
// be the biggest thing on the page for two kinds of chart. Every data
// point is an element with `data-point` (and a <title> for its value),
// so people can hover it and tests can count it.
"use strict";

const Chart = (() => {
  const NS = "http://www.w3.org/2000/svg";

  function el(name, attrs, parent) {
    const e = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    if (parent) parent.appendChild(e);
    return e;
  }

  function titled(e, text) {
    el("title", {}, e).textContent = text;
    return e;
  }

  // A "nice" upper bound for an axis, so ticks land on round numbers.
  function niceMax(v) {
    if (!(v > 0)) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
    return 10 * p;
  }

  function frame(width, height, label) {
    const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label });
    titled(svg, label);
    return svg;
  }

  function yAxis(svg, pad, width, height, max) {
    const ticks = 4;
    for (let i = 0; i <= ticks; i++) {
      const v = (max * i) / ticks;
      const y = height - pad.b - ((height - pad.t - pad.b) * i) / ticks;
      el("line", { class: i === 0 ? "axis" : "grid-line", x1: pad.l, x2: width - pad.r, y1: y, y2: y }, svg);
      el("text", { x: pad.l - 6, y: y + 4, "text-anchor": "end" }, svg).textContent =
        Number.isInteger(v) ? String(v) : v.toFixed(1);
    }
  }

  // Labels every n-th x so they never overlap.
  function xLabels(svg, labels, xOf, y, maxLabels) {
    const step = Math.max(1, Math.ceil(labels.length / maxLabels));
    labels.forEach((l, i) => {
      if (i % step !== 0 && i !== labels.length - 1) return;
      el("text", { x: xOf(i), y, "text-anchor": "middle" }, svg).textContent = l;
    });
  }

  /** Stacked bars: `days` are x labels, `series` is [{key, label, color, values[]}]. */
  function stackedBars(container, days, series, label) {
    const width = 720, height = 240, pad = { l: 40, r: 12, t: 12, b: 28 };
    const svg = frame(width, height, label);
    const totals = days.map((_, i) => series.reduce((s, x) => s + (x.values[i] || 0), 0));
    const max = niceMax(Math.max(0, ...totals));
    yAxis(svg, pad, width, height, max);
    const plotW = width - pad.l - pad.r, plotH = height - pad.t - pad.b;
    const slot = plotW / Math.max(1, days.length);
    const barW = Math.max(2, slot * 0.72);
    const xOf = (i) => pad.l + slot * i + slot / 2;
    days.forEach((day, i) => {
      let y = height - pad.b;
      for (const s of series) {
        const v = s.values[i] || 0;
        if (!v) continue;
        const h = (plotH * v) / max;
        y -= h;
        titled(el("rect", { x: xOf(i) - barW / 2, y, width: barW, height: h, fill: s.color, "data-point": "" }, svg),
          `${day}: ${v} ${s.label}`);
      }
    });
    xLabels(svg, days.map((d) => d.slice(5)), xOf, height - 8, 12);
    container.replaceChildren(svg, legend(series.map((s) => ({ label: s.label, color: s.color }))));
  }

  /**
   * One employee's daily activity against their own baseline and their
   * peers. `points` is [{day, value, lo?, median?, hi?, baseline?, flag?}]:
   * `lo..hi` is the peer band (drawn as an area), `median` the peers'
   * median, `baseline` the employee's own usual level.
   */
  function activity(container, points, opts) {
    const o = Object.assign({ label: "daily activity", unit: "" }, opts || {});
    const width = 720, height = 260, pad = { l: 44, r: 12, t: 12, b: 28 };
    const svg = frame(width, height, o.label);
    const vals = points.flatMap((p) => [p.value, p.hi, p.median, p.baseline]).filter((v) => typeof v === "number");
    const max = niceMax(Math.max(0, ...vals));
    yAxis(svg, pad, width, height, max);
    const plotW = width - pad.l - pad.r, plotH = height - pad.t - pad.b;
    const xOf = (i) => pad.l + (points.length <= 1 ? plotW / 2 : (plotW * i) / (points.length - 1));
    const yOf = (v) => height - pad.b - (plotH * v) / max;
    const has = (k) => points.some((p) => typeof p[k] === "number");
    const items = [];
    if (has("hi")) {
      const top = points.map((p, i) => `${xOf(i)},${yOf(p.hi ?? 0)}`);
      const bottom = points.map((p, i) => `${xOf(i)},${yOf(p.lo ?? 0)}`).reverse();
      el("polygon", { class: "band", points: top.concat(bottom).join(" ") }, svg);
      items.push({ label: o.bandLabel || "peer band", color: "var(--band)" });
    }
    const line = (k, cls, lbl, color) => {
      if (!has(k)) return;
      const d = points.map((p, i) => (typeof p[k] === "number" ? `${xOf(i)},${yOf(p[k])}` : null)).filter(Boolean);
      el("polyline", { class: cls, points: d.join(" ") }, svg);
      items.push({ label: lbl, color, dashed: true });
    };
    line("median", "median", "peer median", "var(--median)");
    line("baseline", "baseline", "own baseline", "#9b6a00");
    el("polyline", { class: "own", points: points.map((p, i) => `${xOf(i)},${yOf(p.value || 0)}`).join(" ") }, svg);
    points.forEach((p, i) => {
      const extra = [
        typeof p.median === "number" ? `peer median ${p.median}` : "",
        typeof p.hi === "number" ? `peer band ${p.lo ?? 0}–${p.hi}` : "",
        typeof p.baseline === "number" ? `own baseline ${p.baseline}` : "",
      ].filter(Boolean).join(", ");
      titled(el("circle", { class: p.flag ? "point flag" : "point", cx: xOf(i), cy: yOf(p.value || 0), r: p.flag ? 4 : 2.6, "data-point": "" }, svg),
        `${p.day}: ${p.value}${o.unit ? " " + o.unit : ""}${extra ? " (" + extra + ")" : ""}`);
    });
    xLabels(svg, points.map((p) => String(p.day).slice(5)), xOf, height - 8, 12);
    items.unshift({ label: o.ownLabel || "this employee", color: "var(--own)" });
    container.replaceChildren(svg, legend(items));
  }

  function legend(items) {
    const div = document.createElement("div");
    div.className = "legend";
    for (const it of items) {
      const span = document.createElement("span");
      const sw = document.createElement("i");
      sw.style.background = it.color;
      span.append(sw, it.label);
      div.appendChild(span);
    }
    return div;
  }

  return { stackedBars, activity };
})();
