#!/usr/bin/env python3
"""market6 checker: validates a generated directory against the Custos event
contract (shared/contract/EVENTS.md) and the truth layout (INTERFACE.md,
"Ground truth"), plus the causal rules of the Kestrel world.

usage: python3 tools/market6/check.py DIR [--max-errors N]
exit status 0 when clean, 1 on any error.
"""

import json
import re
import sys
from collections import Counter, defaultdict
from datetime import datetime

TOP = {"id", "time", "actor", "action", "target", "targets", "fields", "purpose", "outcome", "attrs"}
ACTOR_TYPES = {"employee", "customer", "seller", "system"}
ACTOR_KEYS = {"type", "id", "role", "team", "site"}
TARGET_TYPES = {"customer", "seller", "review", "order", "ticket", "employee", "product"}
FIELDS = {"name", "email", "phone", "address", "payment", "orders", "reviews", "account"}
PURPOSE_KEYS = {"ticket", "code", "reason", "approval"}
CODES = {"customer_request", "seller_request", "fraud_investigation", "legal", "quality_review", "break_glass"}
OUTCOMES = {"allowed", "denied", "failed"}
KINDS = {"order_issue", "account", "review_dispute", "appeal", "fraud_report", "other"}
DEL_REASONS = {"spam", "abuse", "off_topic", "seller_request", "other"}
SUSP_REASONS = {"fraud", "review_manipulation", "counterfeit", "policy", "other"}
LEAVE_REASONS = {"resigned", "terminated", "transferred"}

# action -> (allowed actor types, allowed target types or None for "no target", required attrs)
SPEC = {
    "customer.view": ({"employee"}, {"customer"}, []),
    "customer.search": ({"employee"}, None, ["query"]),
    "customer.export": ({"employee"}, None, ["format"]),
    "order.view": ({"employee"}, {"order"}, ["customer", "seller"]),
    "review.delete": ({"employee"}, {"review"}, ["reason"]),
    "review.restore": ({"employee"}, {"review"}, []),
    "account.suspend": ({"employee"}, {"seller", "customer"}, ["reason"]),
    "account.reactivate": ({"employee"}, {"seller", "customer"}, []),
    "ticket.assign": ({"employee"}, {"ticket"}, []),
    "auth.login": ({"employee"}, None, ["ip", "device"]),
    "review.create": ({"customer"}, {"review"}, ["seller", "product", "rating"]),
    "order.create": ({"customer"}, {"order"}, ["seller", "product"]),
    "ticket.open": ({"customer", "seller", "system"}, {"ticket"}, ["kind"]),
    "ticket.close": ({"system", "employee"}, {"ticket"}, ["resolution"]),
    "account.ban": ({"system"}, {"seller", "customer"}, ["reason"]),
    "employee.hire": ({"system"}, {"employee"}, ["role", "team", "site"]),
    "employee.change": ({"system"}, {"employee"}, ["role", "team", "site"]),
    "employee.leave": ({"system"}, {"employee"}, ["reason"]),
    "honeytoken.plant": ({"system"}, {"customer"}, []),
    "guard.decide": (ACTOR_TYPES, None, []),
    "custos.access": (ACTOR_TYPES, None, []),
}
TARGET_REQUIRED_NONE = {"customer.search", "customer.export", "auth.login"}
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$")
MALICIOUS_ACTIONS = {"customer.view", "customer.search", "customer.export", "order.view", "review.delete",
                     "account.reactivate"}


def parse_time(s):
    if not isinstance(s, str) or not RFC3339.match(s):
        return None
    try:
        dt = datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        return None
    return int(dt.timestamp() * 1000)


class Checker:
    def __init__(self, d, max_errors=50):
        self.d = d
        self.errors = []
        self.nerr = 0
        self.max_errors = max_errors
        self.warn = Counter()

    def err(self, where, msg):
        self.nerr += 1
        if len(self.errors) < self.max_errors:
            self.errors.append(f"{where}: {msg}")

    def check_event(self, ln, ev):
        w = f"line {ln}"
        if not isinstance(ev, dict):
            self.err(w, "not an object")
            return None
        extra = set(ev) - TOP
        if extra:
            self.err(w, f"unknown top-level keys {sorted(extra)}")
        for k in ("id", "time", "actor", "action"):
            if k not in ev:
                self.err(w, f"missing {k}")
                return None
        eid = ev["id"]
        if not isinstance(eid, str) or not (1 <= len(eid.encode()) <= 128):
            self.err(w, "bad id")
        t = parse_time(ev["time"])
        if t is None:
            self.err(w, f"bad time {ev['time']!r}")
            return None
        a = ev["actor"]
        if not isinstance(a, dict) or a.get("type") not in ACTOR_TYPES or not isinstance(a.get("id"), str) or not a["id"]:
            self.err(w, f"bad actor {a!r}")
            return None
        if set(a) - ACTOR_KEYS:
            self.err(w, f"unknown actor keys {sorted(set(a) - ACTOR_KEYS)}")
        for k in ("role", "team", "site"):
            if k in a and not isinstance(a[k], str):
                self.err(w, f"actor.{k} not a string")
        act = ev["action"]
        if not isinstance(act, str):
            self.err(w, "action not a string")
            return None
        spec = SPEC.get(act)
        if spec is None and not act.startswith("x."):
            self.err(w, f"unknown action {act}")
            return None
        tgt = ev.get("target")
        if tgt is not None:
            if (not isinstance(tgt, dict) or set(tgt) != {"type", "id"} or tgt.get("type") not in TARGET_TYPES
                    or not isinstance(tgt.get("id"), str) or not tgt["id"]):
                self.err(w, f"bad target {tgt!r}")
                tgt = None
        if "targets" in ev:
            ts = ev["targets"]
            if not isinstance(ts, list) or not all(isinstance(x, str) and x for x in ts):
                self.err(w, "targets must be an array of strings")
            elif len(set(ts)) != len(ts):
                self.err(w, "duplicate ids in targets")
        if "fields" in ev:
            fs = ev["fields"]
            if not isinstance(fs, list) or not all(x in FIELDS for x in fs):
                self.err(w, f"bad fields {fs!r}")
        if "purpose" in ev:
            p = ev["purpose"]
            if not isinstance(p, dict) or set(p) - PURPOSE_KEYS or not all(isinstance(v, str) for v in p.values()):
                self.err(w, f"bad purpose {p!r}")
            elif "code" in p and p["code"] not in CODES:
                self.err(w, f"bad purpose code {p['code']!r}")
            elif not p:
                self.err(w, "empty purpose")
        if "outcome" in ev and ev["outcome"] not in OUTCOMES:
            self.err(w, f"bad outcome {ev['outcome']!r}")
        attrs = ev.get("attrs", {})
        if "attrs" in ev:
            if not isinstance(attrs, dict):
                self.err(w, "attrs not an object")
                attrs = {}
            else:
                for k, v in attrs.items():
                    if not isinstance(v, (str, int, float, bool)) or v is None:
                        self.err(w, f"attrs.{k} has a non-scalar value")
        if spec is not None:
            actors, ttypes, req = spec
            if a["type"] not in actors:
                self.err(w, f"{act} by actor type {a['type']}")
            if ttypes is None:
                if act in TARGET_REQUIRED_NONE and tgt is not None:
                    self.err(w, f"{act} must not carry a target")
            else:
                if tgt is None:
                    self.err(w, f"{act} needs a target")
                elif tgt["type"] not in ttypes:
                    self.err(w, f"{act} target type {tgt['type']}")
            for k in req:
                if k not in attrs:
                    self.err(w, f"{act} missing attrs.{k}")
            if act in ("customer.search", "customer.export") and not ev.get("targets"):
                self.err(w, f"{act} without targets")
            if act == "review.create" and not (isinstance(attrs.get("rating"), int) and 1 <= attrs["rating"] <= 5):
                self.err(w, "rating must be 1..5")
            if act == "ticket.open" and attrs.get("kind") not in KINDS:
                self.err(w, f"bad ticket kind {attrs.get('kind')!r}")
            if act == "review.delete" and attrs.get("reason") not in DEL_REASONS:
                self.err(w, "bad review.delete reason")
            if act in ("account.suspend", "account.ban") and attrs.get("reason") not in SUSP_REASONS:
                self.err(w, f"bad {act} reason")
            if act == "employee.leave" and attrs.get("reason") not in LEAVE_REASONS:
                self.err(w, "bad employee.leave reason")
        # entry size bound (canonical JSON is at least as compact as this)
        n = len(json.dumps(ev, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode())
        if n > 65535:
            self.err(w, f"entry of {n} bytes exceeds 65535")
        return t

    def run(self):
        d = self.d
        seen_ids = set()
        last_t = None
        t_first = t_last = None
        opened = {}          # ticket -> open time
        orders = {}          # order -> (customer, seller)
        reviews = {}         # review -> deleted?
        state = {}           # (type,id) -> "banned"/"suspended"/None
        hired = {}
        left = {}
        emp_seen = set()
        planted = set()
        cust_seen = set()
        seller_seen = set()
        ev_index = {}        # id -> (time, actor id, action, disclosed customers)
        counts = Counter()
        honey_touch = defaultdict(set)
        ln = 0
        with open(f"{d}/events.jsonl", encoding="utf-8") as f:
            for line in f:
                ln += 1
                if not line.strip():
                    continue
                try:
                    ev = json.loads(line)
                except ValueError as e:
                    self.err(f"line {ln}", f"invalid JSON ({e})")
                    continue
                t = self.check_event(ln, ev)
                if t is None:
                    continue
                w = f"line {ln}"
                eid = ev["id"]
                if eid in seen_ids:
                    self.err(w, f"duplicate id {eid}")
                seen_ids.add(eid)
                if last_t is not None and t < last_t:
                    self.err(w, "events out of time order")
                last_t = t
                t_first = t if t_first is None else t_first
                t_last = t
                act = ev["action"]
                counts[act] += 1
                a = ev["actor"]
                tgt = ev.get("target") or {}
                attrs = ev.get("attrs", {})
                pur = ev.get("purpose", {})
                # people
                if a["type"] == "employee":
                    emp_seen.add(a["id"])
                    if a["id"] in left and t > left[a["id"]]:
                        self.err(w, f"{a['id']} acts after leaving")
                    if a["id"] in hired and t < hired[a["id"]]:
                        self.err(w, f"{a['id']} acts before hire")
                    if a["id"] not in hired and a["id"] in self.hired_later:
                        self.err(w, f"{a['id']} acts before hire event")
                if tgt.get("type") == "employee":
                    emp_seen.add(tgt["id"])
                    if act == "employee.hire":
                        if tgt["id"] in hired:
                            self.err(w, f"{tgt['id']} hired twice")
                        hired[tgt["id"]] = t
                    elif act == "employee.leave":
                        left[tgt["id"]] = t
                    elif tgt["id"] in left:
                        self.err(w, f"HR change for {tgt['id']} after leaving")
                if a["type"] == "customer":
                    cust_seen.add(a["id"])
                if a["type"] == "seller":
                    seller_seen.add(a["id"])
                for k in ("seller",):
                    if k in attrs and isinstance(attrs[k], str):
                        seller_seen.add(attrs[k])
                if tgt.get("type") == "seller":
                    seller_seen.add(tgt["id"])
                # tickets
                tk_refs = []
                if tgt.get("type") == "ticket" and act != "ticket.open":
                    tk_refs.append(tgt["id"])
                if "ticket" in pur:
                    tk_refs.append(pur["ticket"])
                if "appeal" in attrs:
                    tk_refs.append(attrs["appeal"])
                for tk in tk_refs:
                    if tk not in opened:
                        self.err(w, f"ticket {tk} referenced before it was opened")
                    elif opened[tk] >= t:
                        self.err(w, f"ticket {tk} referenced at its opening time")
                if act == "ticket.open":
                    if tgt["id"] in opened:
                        self.err(w, f"ticket {tgt['id']} opened twice")
                    opened[tgt["id"]] = t
                # orders / reviews
                if act == "order.create":
                    if tgt["id"] in orders:
                        self.err(w, f"order {tgt['id']} created twice")
                    orders[tgt["id"]] = (a["id"], attrs.get("seller"))
                if act == "order.view":
                    o = orders.get(tgt.get("id"))
                    if o is None:
                        self.err(w, f"order {tgt.get('id')} viewed before creation")
                    elif o != (attrs.get("customer"), attrs.get("seller")):
                        self.err(w, f"order.view attrs disagree with order {tgt['id']}")
                if act == "review.create":
                    if tgt["id"] in reviews:
                        self.err(w, f"review {tgt['id']} created twice")
                    reviews[tgt["id"]] = False
                if act == "review.delete":
                    if tgt["id"] not in reviews:
                        self.err(w, f"review {tgt['id']} deleted before creation")
                    elif reviews[tgt["id"]]:
                        self.err(w, f"review {tgt['id']} deleted twice")
                    reviews[tgt["id"]] = True
                if act == "review.restore":
                    if not reviews.get(tgt["id"]):
                        self.err(w, f"review {tgt['id']} restored but not deleted")
                    reviews[tgt["id"]] = False
                # account state
                if act in ("account.ban", "account.suspend"):
                    state[(tgt["type"], tgt["id"])] = act
                if act == "account.reactivate":
                    if not state.get((tgt["type"], tgt["id"])):
                        self.err(w, f"{tgt['type']} {tgt['id']} reactivated while not banned/suspended")
                    state[(tgt["type"], tgt["id"])] = None
                # honeytokens
                if act == "honeytoken.plant":
                    planted.add(tgt["id"])
                disclosed = set()
                if act in ("customer.view",) and tgt.get("type") == "customer":
                    disclosed.add(tgt["id"])
                if act in ("customer.search", "customer.export"):
                    disclosed.update(ev.get("targets", []))
                if act == "order.view" and "customer" in attrs:
                    disclosed.add(attrs["customer"])
                if tgt.get("type") == "customer":
                    cust_seen.add(tgt["id"])
                cust_seen.update(ev.get("targets", []))
                if a["type"] == "employee" and ev.get("outcome", "allowed") == "allowed":
                    for c in disclosed:
                        if c in planted:
                            honey_touch[c].add(a["id"])
                if a["type"] == "employee" and act in MALICIOUS_ACTIONS:
                    if ev.get("outcome", "allowed") == "allowed":
                        ev_index[eid] = (t, a["id"], act, disclosed)
                    else:
                        ev_index[eid] = (t, a["id"], act, set())
        self.counts = counts
        self.lines = ln
        # ---------------- truth
        try:
            truth = json.load(open(f"{d}/truth.json"))
        except Exception as e:
            self.err("truth.json", f"unreadable ({e})")
            return
        if set(truth) != {"seed", "start", "end", "employees", "insiders", "honeytokens"}:
            self.err("truth.json", f"keys {sorted(truth)}")
        ts, te = parse_time(truth.get("start")), parse_time(truth.get("end"))
        if ts is None or te is None or ts >= te:
            self.err("truth.json", "bad start/end")
        elif t_first is not None and (t_first < ts or t_last >= te):
            self.err("truth.json", "events outside [start, end)")
        if not isinstance(truth.get("seed"), int):
            self.err("truth.json", "seed must be an integer")
        if truth.get("employees") != len(emp_seen):
            self.err("truth.json", f"employees {truth.get('employees')} != {len(emp_seen)} employees in events")
        if set(truth.get("honeytokens", [])) != planted:
            self.err("truth.json", "honeytokens differ from honeytoken.plant events")
        try:
            stats = json.load(open(f"{d}/stats.json"))
        except Exception as e:
            self.err("stats.json", f"unreadable ({e})")
            stats = {"insiders": []}
        sins = {(i["employee"], i["scenario"]): i for i in stats.get("insiders", []) if "start" in i}
        names = set()
        insider_ids = set()
        for k, ins in enumerate(truth.get("insiders", [])):
            w = f"truth.insiders[{k}]"
            if set(ins) != {"employee", "scenario", "start", "end", "sellers", "customers"}:
                self.err(w, f"keys {sorted(ins)}")
                continue
            e = ins["employee"]
            insider_ids.add(e)
            if (e, ins["scenario"]) in names:
                self.err(w, "duplicate insider entry")
            names.add((e, ins["scenario"]))
            if e not in emp_seen:
                self.err(w, f"employee {e} never appears")
            a, b = parse_time(ins["start"]), parse_time(ins["end"])
            if a is None or b is None or a > b:
                self.err(w, "bad start/end")
                continue
            if not ins["sellers"]:
                self.err(w, "no beneficiary sellers")
            for s in ins["sellers"]:
                if s not in seller_seen:
                    self.err(w, f"seller {s} never appears in events")
            for c in ins["customers"]:
                if c not in cust_seen:
                    self.err(w, f"customer {c} never appears in events")
            si = sins.get((e, ins["scenario"]))
            if si is None:
                self.err(w, "no matching insider in stats.json")
                continue
            ids = si.get("malicious_event_ids", [])
            if not ids:
                self.err(w, "no malicious events listed in stats.json")
                continue
            times, disc = [], set()
            for x in ids:
                if x not in ev_index:
                    self.err(w, f"malicious event {x} missing or not a disclosure/deletion/reactivation")
                    continue
                tt, actor, act, dc = ev_index[x]
                if actor != e:
                    self.err(w, f"malicious event {x} is by {actor}")
                times.append(tt)
                disc |= dc
            if times and (min(times) != a or max(times) != b):
                self.err(w, "start/end do not match first/last malicious event")
            if disc != set(ins["customers"]):
                self.err(w, f"customers ({len(ins['customers'])}) != disclosed by malicious events ({len(disc)})")
        if stats.get("params", {}).get("intensity", 1) == 0 and truth.get("insiders"):
            self.err("truth.json", "intensity 0 but insiders listed")
        for c, who in honey_touch.items():
            if who - insider_ids:
                self.err("honeytokens", f"{c} touched by non-insiders {sorted(who - insider_ids)}")
        self.summary = {"lines": ln, "events": sum(counts.values()), "employees": len(emp_seen),
                        "tickets": len(opened), "orders": len(orders), "reviews": len(reviews),
                        "insiders": len(truth.get("insiders", [])), "honeytokens_planted": len(planted),
                        "honeytokens_touched": len(honey_touch)}


def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__)
        sys.exit(2)
    d = args[0]
    mx = 50
    if "--max-errors" in args:
        mx = int(args[args.index("--max-errors") + 1])
    c = Checker(d, mx)
    # employees that are hired inside the window must not act before their hire event
    c.hired_later = set()
    with open(f"{d}/events.jsonl", encoding="utf-8") as f:
        for line in f:
            if '"employee.hire"' in line:
                try:
                    ev = json.loads(line)
                    if ev.get("action") == "employee.hire":
                        c.hired_later.add(ev["target"]["id"])
                except Exception:
                    pass
    c.run()
    if c.nerr:
        for e in c.errors:
            print("ERROR", e)
        print(f"{c.nerr} error(s)")
        sys.exit(1)
    print(json.dumps({"ok": True, **getattr(c, "summary", {}), "by_action": dict(sorted(c.counts.items()))}))


if __name__ == "__main__":
    main()
