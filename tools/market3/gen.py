#!/usr/bin/env python3
"""market3: an independent marketplace + staff simulator with insiders and
legitimate look-alikes, producing Custos events (EVENTS.md v1) and a ground
truth file (INTERFACE.md).  Standard library only; deterministic from --seed.

See tools/market3/README.md for what is modelled.
"""
import argparse
import bisect
import json
import math
import os
import random
import sys
import time as _time
from collections import defaultdict, deque
from datetime import datetime, timedelta, timezone

H = 3600_000
MIN = 60_000
DAY = 24 * H

START = datetime(2025, 9, 1, tzinfo=timezone.utc)  # a Monday
START_MS = int(START.timestamp() * 1000)
WARM = 28  # days of marketplace-only history (orders, reviews) before staff activity starts

# site: (utc offset hours, subnet)
SITES = {
    "LIS": (0, "10.11"),
    "KRK": (1, "10.12"),
    "MNL": (8, "10.13"),
    "BOG": (-5, "10.14"),
}

# role: (share, sites, team stem, tool, 24x7 rota, local shift starts)
ROLES = {
    "support-agent":   (0.56, ["MNL", "MNL", "KRK", "BOG", "LIS"], "care", "cs-console", True, [6, 7, 8, 9, 11, 14]),
    "support-lead":    (0.04, ["MNL", "KRK", "BOG", "LIS"], "care", "cs-console", False, [8, 9]),
    "seller-success":  (0.08, ["LIS", "BOG", "KRK"], "partner-ops", "partner-hub", False, [8, 9, 10]),
    "moderator":       (0.07, ["KRK", "MNL", "MNL", "BOG"], "mod", "modbench", True, [7, 8, 9, 13]),
    "trust-analyst":   (0.05, ["LIS", "KRK", "MNL"], "trust", "trust-desk", True, [8, 9, 10]),
    "finance-ops":     (0.05, ["LIS", "KRK"], "payments", "pay-ops", False, [8, 9]),
    "qa-auditor":      (0.03, ["KRK", "MNL"], "care-quality", "qa-scope", False, [9]),
    "privacy-officer": (0.015, ["LIS"], "privacy-legal", "privacy-vault", False, [9]),
    "sre":             (0.05, ["KRK", "BOG", "LIS"], "platform-oncall", "admin-cli", False, [9, 10]),
    "engineer":        (0.035, ["KRK", "LIS", "BOG"], "eng", "ide", False, [9, 10]),
    "people-ops":      (0.01, ["LIS"], "people", "hris-web", False, [9]),
}

FIRST = ["ana", "joao", "marta", "piotr", "kasia", "jose", "maria", "li", "wei", "paulo",
         "sofia", "diego", "lucia", "tomasz", "ewa", "juan", "carla", "rui", "inês", "mark"]
CITIES = ["lisboa", "porto", "krakow", "warszawa", "manila", "cebu", "bogota", "medellin",
          "madrid", "berlin", "paris", "lyon", "roma", "wien", "praha", "gdansk"]


def fmt_ms(t):
    dt = START + timedelta(milliseconds=t - START_MS)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (dt.microsecond // 1000)


class Out:
    """Day buckets of serialised events; written in time order."""

    def __init__(self, path, days):
        self.f = open(path, "w", encoding="utf-8")
        self.buckets = defaultdict(list)
        self.seq = 0
        self.n = 0
        self.days = days
        self.end_ms = START_MS + days * DAY
        self.flushed_until = START_MS - WARM * DAY
        self.clamped = 0
        self.dropped = 0
        self.by_action = defaultdict(int)
        self._dump = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode

    def emit(self, t, actor, action, target=None, targets=None, fields=None,
             purpose=None, attrs=None, outcome=None):
        t = int(t)
        if t < self.flushed_until:
            self.clamped += 1
            t = self.flushed_until
        if t >= self.end_ms:
            self.dropped += 1
            return None
        ev = {"time": fmt_ms(t), "actor": actor, "action": action}
        if target is not None:
            ev["target"] = target
        if targets is not None:
            ev["targets"] = targets
        if fields is not None:
            ev["fields"] = fields
        if purpose is not None:
            ev["purpose"] = purpose
        if outcome is not None:
            ev["outcome"] = outcome
        if attrs:
            ev["attrs"] = attrs
        self.buckets[(t - START_MS) // DAY].append((t, self.seq, self._dump(ev)))
        self.seq += 1
        self.by_action[action] += 1
        return t

    def flush(self, upto_day):
        for day in sorted(k for k in self.buckets if k <= upto_day):
            items = self.buckets.pop(day)
            items.sort()
            w = self.f.write
            for t, _, line in items:
                self.n += 1
                w('{"id":"m3e-%08d",' % self.n + line[1:] + "\n")
        self.flushed_until = max(self.flushed_until, START_MS + (upto_day + 1) * DAY)

    def close(self):
        self.flush(10 ** 9)
        self.f.close()


class Emp:
    __slots__ = ("id", "role", "team", "site", "off", "shift", "rota_off", "hire_day",
                 "leave_day", "leave_reason", "vac", "sick", "ip", "dev", "vol", "actor",
                 "pending", "ins", "tool", "mentor", "lookalike", "sloppy")


class Tk:
    __slots__ = ("id", "kind", "cust", "sel", "order", "review", "open_t", "owner",
                 "close_t", "opener", "extra")


def cust_actor(c):
    return {"type": "customer", "id": c}


def seller_actor(s):
    return {"type": "seller", "id": s}


def sys_actor(name):
    return {"type": "system", "id": name}


class Sim:
    def __init__(self, a):
        self.a = a
        self.r = random.Random(a.seed)
        self.days = a.days
        self.intensity = a.intensity
        self.cover = min(1.0, max(0.0, a.cover))
        os.makedirs(a.out, exist_ok=True)
        self.out = Out(os.path.join(a.out, "events.jsonl"), a.days)
        self.E = self.out.emit
        self.tk_seq = 0
        self.ord_seq = 0
        self.rev_seq = 0
        self.apv_seq = 0
        self.inc_seq = 0
        self.tickets = {}
        self.cust_tix = defaultdict(list)
        self.lookalikes = defaultdict(lambda: {"members": [], "sellers": [], "days": [], "notes": []})
        self.insiders = []
        self.decoys = []
        self.decoy_set = set()
        self.sloppy = defaultdict(int)

    # ------------------------------------------------------------ helpers
    def poisson(self, lam):
        if lam <= 0:
            return 0
        if lam > 40:
            return max(0, int(round(self.r.gauss(lam, math.sqrt(lam)))))
        L = math.exp(-lam)
        k, p = 0, 1.0
        while True:
            p *= self.r.random()
            if p <= L:
                return k
            k += 1

    def pick_weighted(self, cum):
        x = self.r.random() * cum[-1]
        return bisect.bisect_right(cum, x)

    def new_ticket(self, kind, opener, t, cust=None, sel=None, order=None, review=None, extra=None):
        self.tk_seq += 1
        tk = Tk()
        tk.id = "case-%d" % (1_200_000 + 3 * self.tk_seq)
        tk.kind, tk.cust, tk.sel, tk.order, tk.review = kind, cust, sel, order, review
        tk.open_t, tk.owner, tk.close_t, tk.opener, tk.extra = t, None, None, opener, extra
        attrs = {"kind": kind}
        if cust:
            attrs["customer"] = cust
        if sel:
            attrs["seller"] = sel
        if order:
            attrs["order"] = order
        if review:
            attrs["review"] = review
        if extra:
            attrs.update(extra)
        if opener[0] == "customer":
            actor = cust_actor(opener[1])
        elif opener[0] == "seller":
            actor = seller_actor(opener[1])
        else:
            actor = sys_actor(opener[1])
        self.E(t, actor, "ticket.open", {"type": "ticket", "id": tk.id}, attrs=attrs)
        self.tickets[tk.id] = tk
        if cust:
            self.cust_tix[cust].append(tk)
        return tk

    def attrs(self, e, sess_day, extra=None):
        a = {"tool": e.tool, "ip": e.ip, "session": "ss-%s-%d" % (e.id[4:], sess_day)}
        if extra:
            a.update(extra)
        return a

    def assign(self, e, tk, t, d):
        tk.owner = e.id
        self.E(t, e.actor, "ticket.assign", {"type": "ticket", "id": tk.id}, attrs=self.attrs(e, d))

    def close(self, e, tk, t, res, d):
        tk.close_t = t
        if e is None:
            self.E(t, sys_actor("helpdesk"), "ticket.close", {"type": "ticket", "id": tk.id},
                   attrs={"resolution": res})
        else:
            self.E(t, e.actor, "ticket.close", {"type": "ticket", "id": tk.id},
                   attrs=dict(self.attrs(e, d), resolution=res))

    def view(self, e, t, cust, fields, purpose, d, extra=None):
        return self.E(t, e.actor, "customer.view", {"type": "customer", "id": cust},
                      fields=fields, purpose=purpose, attrs=self.attrs(e, d, extra))

    def oview(self, e, t, oi, purpose, d):
        return self.E(t, e.actor, "order.view", {"type": "order", "id": self.o_id[oi]}, purpose=purpose,
                      attrs=self.attrs(e, d, {"customer": self.o_cust[oi], "seller": self.o_sel[oi]}))

    def search(self, e, t, query, targets, d, purpose=None):
        return self.E(t, e.actor, "customer.search", targets=targets, purpose=purpose,
                      attrs=self.attrs(e, d, {"query": query, "results": len(targets)}))

    def export(self, e, t, targets, fmt, d, purpose=None, extra=None):
        chunk = 1500
        parts = [targets[i:i + chunk] for i in range(0, len(targets), chunk)] or [[]]
        batch = "bx-%s-%d" % (e.id[4:], t % 10_000_000) if len(parts) > 1 else None
        first = None
        for i, p in enumerate(parts):
            at = self.attrs(e, d, {"format": fmt, "rows": len(p)})
            if extra:
                at.update(extra)
            if batch:
                at["batch"] = batch
                at["part"] = i + 1
            tt = self.E(t + i * 400, e.actor, "customer.export", targets=p, purpose=purpose, attrs=at)
            first = first or tt
        return first

    def approval(self):
        self.apv_seq += 1
        return "apv-%06d" % (310_000 + self.apv_seq)

    def phone_q(self):
        return "phone:+%d %03d %03d %03d" % (self.r.choice([351, 48, 63, 57, 34]), self.r.randrange(1000),
                                            self.r.randrange(1000), self.r.randrange(1000))

    def email_q(self):
        return "email:%s%d@%s" % (self.r.choice(FIRST), self.r.randrange(100, 9999),
                                   self.r.choice(["mail.com", "posta.pt", "wp.pl", "gmail.com", "yahoo.com"]))

    # ------------------------------------------------------------ world
    def build_world(self):
        a, r = self.a, self.r
        # customers
        ids = r.sample(range(1_000_000, 9_999_999), a.customers + max(5, a.customers // 3000))
        self.customers = ["cust-%07d" % i for i in ids[:a.customers]]
        decoy_ids = ["cust-%07d" % i for i in ids[a.customers:]]
        w = [r.lognormvariate(0, 1.0) for _ in self.customers]
        self.c_cum = list(_accum(w))
        # sellers: zipf popularity, quality, dispute propensity
        sids = r.sample(range(10_000, 99_999), a.sellers)
        self.sellers = ["shop-%05d" % i for i in sids]
        r.shuffle(self.sellers)
        ns = len(self.sellers)
        pop = [1.0 / (i + 1) ** 0.95 for i in range(ns)]
        self.s_cum = list(_accum(pop))
        self.s_rank = {s: i for i, s in enumerate(self.sellers)}
        self.s_neg = {}
        for i, s in enumerate(self.sellers):
            u = r.random()
            self.s_neg[s] = 0.05 + 0.06 * r.random() if u < 0.82 else (0.2 + 0.3 * r.random())
        self.s_disp = {s: (0.05 + 0.3 * r.random()) for s in self.sellers}
        pseq = 100_000
        self.catalog = {}
        for s in self.sellers:
            k = 2 + int(r.expovariate(1 / 10))
            self.catalog[s] = ["item-%06d" % (pseq + j) for j in range(k)]
            pseq += k + r.randrange(1, 30)
        self.s_state = {s: "active" for s in self.sellers}
        self.recent_seller_bans = []
        self.s_ban = {}  # seller -> (reason, t)
        self.c_state = {}
        self.c_ban = {}
        # orders (parallel arrays, time-sorted)
        self.o_id, self.o_t, self.o_cust, self.o_sel, self.o_prod = [], [], [], [], []
        self.sel_orders = defaultdict(list)
        self.cust_orders = defaultdict(list)
        self.decoy_orders = set()
        # reviews
        self.v_id, self.v_t, self.v_cust, self.v_sel, self.v_rating, self.v_del = [], [], [], [], [], []
        self.sel_reviews = defaultdict(list)
        self.pending_reviews = defaultdict(list)
        self.future_q = defaultdict(list)  # day -> [(queue name, Tk)]
        self.queues = {q: deque() for q in ("mod", "trust", "seller", "key", "fin", "privacy", "sre")}
        # key accounts: three biggest sellers
        self.key_sellers = self.sellers[:3]
        # at-risk sellers: high negative share, mid popularity (decoys seeded among their reviewers)
        mid = [s for s in self.sellers[10:max(60, min(ns // 4, 400))] if self.s_neg[s] >= 0.2]
        if len(mid) < 6:
            mid = sorted(self.sellers[5:], key=lambda s: -self.s_neg[s])[:12]
        self.at_risk = mid
        self.decoys = decoy_ids
        self.decoy_set = set(decoy_ids)
        self.all_cust = set(self.customers) | self.decoy_set
        self.population = self.customers + self.decoys
        # brokers: primary bad seller + related sock sellers sharing products
        self.brokers = []
        pool = list(self.at_risk[:12])
        r.shuffle(pool)
        low = self.sellers[max(20, ns // 3):]
        nb = max(3, min(8, a.employees // 120 + 2))
        for b in range(nb):
            prim = pool[b % len(pool)]
            socks = r.sample(low, 2 if r.random() < 0.6 else 1)
            for sk in socks:
                self.catalog[sk] = self.catalog[sk][:2] + r.sample(self.catalog[prim], min(3, len(self.catalog[prim])))
                self.s_neg[sk] = max(self.s_neg[sk], 0.25)
                self.s_disp[sk] = 0.4
            self.s_neg[prim] = max(self.s_neg[prim], 0.3)
            self.brokers.append({"id": "broker-%d" % (b + 1), "primary": prim, "socks": socks})

    def build_staff(self):
        a, r = self.a, self.r
        self.emps = []
        roles = list(ROLES)
        shares = [ROLES[x][0] for x in roles]
        counts = {x: int(a.employees * ROLES[x][0]) for x in roles}
        for x in ["support-lead", "seller-success", "moderator", "trust-analyst", "finance-ops",
                  "qa-auditor", "privacy-officer", "sre"]:
            counts[x] = max(counts[x], 2 if x not in ("support-lead",) else 1)
        counts["support-agent"] = a.employees - sum(v for k, v in counts.items() if k != "support-agent")
        roster = []
        for x in roles:
            roster += [x] * counts[x]
        hires_later = int(a.employees * 0.012 * a.days / 30)
        ids = r.sample(range(10_000, 99_999), len(roster) + hires_later + 10)
        self.emp_ids = iter(ids)
        for role in roster:
            self.emps.append(self.make_emp(role, 0))
        # later hires
        self.hire_plan = []
        for _ in range(hires_later):
            d = r.randrange(1, max(2, a.days - 3))
            self.hire_plan.append((d, r.choices(["support-agent", "moderator", "seller-success", "trust-analyst"],
                                                [0.7, 0.12, 0.1, 0.08])[0]))
        self.hire_plan.sort()
        # leavers (honest)
        self.changes = []
        nleave = int(a.employees * 0.015 * a.days / 30)
        for e in r.sample(self.emps, min(nleave, len(self.emps) // 4)):
            e.leave_day = r.randrange(max(2, a.days // 6), a.days)
            e.leave_reason = r.choices(["resigned", "terminated", "transferred"], [0.78, 0.07, 0.15])[0]
        nchg = int(a.employees * 0.008 * a.days / 30)
        for e in r.sample(self.emps, min(nchg, len(self.emps) // 5)):
            if e.leave_day < a.days or e.role not in ("support-agent", "moderator"):
                continue
            self.changes.append((r.randrange(2, max(3, a.days - 1)), e))
        self.changes.sort(key=lambda x: (x[0], x[1].id))
        self.by_role = defaultdict(list)
        for e in self.emps:
            self.by_role[e.role].append(e)

    def make_emp(self, role, hire_day):
        r = self.r
        share, sites, stem, tool, rota, shifts = ROLES[role]
        e = Emp()
        e.id = "stf-%05d" % next(self.emp_ids)
        e.role, e.site = role, r.choice(sites)
        e.off, subnet = SITES[e.site]
        if stem in ("care", "mod", "trust", "payments", "partner-ops"):
            e.team = "%s-%s-%d" % (stem, e.site.lower(), 1 + r.randrange(4 if stem == "care" else 2))
        else:
            e.team = stem
        if role == "seller-success" and r.random() < 0.3:
            e.team = "partner-ops-key"
        e.shift = r.choice(shifts) + r.random() * 0.5
        e.rota_off = r.randrange(7) if rota else None
        e.hire_day, e.leave_day, e.leave_reason = hire_day, 10 ** 6, None
        e.vac = set()
        if r.random() < 0.35 * min(1.0, self.days / 60):
            st = r.randrange(0, max(1, self.days - 5))
            e.vac = set(range(st, st + r.randrange(5, 12)))
        e.sick = set(d for d in range(self.days) if r.random() < 0.012)
        e.ip = "%s.%d.%d" % (subnet, r.randrange(1, 60), r.randrange(2, 250))
        e.dev = "lt-%04x" % r.randrange(65536)
        e.vol = min(1.8, max(0.5, r.lognormvariate(0, 0.25)))
        e.actor = {"type": "employee", "id": e.id, "role": role, "team": e.team, "site": e.site}
        e.pending = []
        e.ins = None
        e.tool = tool
        e.mentor = None
        e.lookalike = None
        e.sloppy = min(3.0, r.lognormvariate(0, 0.6))
        return e

    def works(self, e, d):
        if d < e.hire_day or d >= e.leave_day or d in e.vac or d in e.sick:
            return False
        wd = d % 7
        if e.rota_off is not None:
            return (wd - e.rota_off) % 7 not in (0, 1)
        return wd < 5

    def shift_window(self, e, d):
        r = self.r
        start = START_MS + d * DAY + int((e.shift - e.off) * H) + r.randrange(-15 * MIN, 20 * MIN)
        return start, start + int(8.5 * H) + r.randrange(-20 * MIN, 40 * MIN)

    # ------------------------------------------------------------ marketplace
    def market_day(self, d):
        r = self.r
        base = START_MS + d * DAY
        n = self.orders_reviews_day(d, False)
        # system bans of sellers / customers
        self.market_tickets_day(d, n)

    def orders_reviews_day(self, d, history):
        r = self.r
        base = START_MS + d * DAY
        wdf = [1.0, 0.95, 0.95, 1.0, 1.1, 1.3, 1.25][d % 7]
        n = self.poisson(self.a.customers * 0.045 * wdf)
        # evening-heavy (UTC): warp uniform times, then keep them sorted
        ts = sorted(min(max(base + int(DAY * (0.25 + 0.75 * r.random() ** 0.8)) + r.randrange(-3 * H, 3 * H), base), base + DAY - 1)
                    for _ in range(n))
        for t in ts:
            self.place_order(self.customers[self.pick_weighted(self.c_cum)], None, t, d)
        # reviews due today
        for oi, rating, kind in self.pending_reviews.pop(d, []):
            t = max(self.o_t[oi] + H, base + r.randrange(DAY))
            if t >= base + DAY:
                t = base + DAY - r.randrange(1, H)
            self.place_review(oi, rating, t, "history" if history else kind)
        for c, s in self.decoy_plan.pop(d, []):
            self.place_order(c, s, base + r.randrange(DAY), d, decoy=True)
        return n

    def market_tickets_day(self, d, n):
        r = self.r
        base = START_MS + d * DAY
        for _ in range(self.poisson(len(self.sellers) * 0.0007)):
            s = self.sellers[self.pick_weighted(self.s_cum) if r.random() < 0.3 else r.randrange(len(self.sellers))]
            if s in self.key_sellers or self.s_state[s] != "active":
                continue
            self.ban_seller(s, base + r.randrange(DAY), r.choices(
                ["fraud", "review_manipulation", "counterfeit", "policy"], [0.35, 0.3, 0.25, 0.1])[0])
        for _ in range(self.poisson(self.a.customers * 0.00006)):
            c = self.customers[r.randrange(len(self.customers))]
            if self.c_state.get(c, "active") == "active":
                self.ban_customer(c, base + r.randrange(DAY), r.choice(["fraud", "fraud", "policy", "review_manipulation"]))
        # fraud reports (system) about sellers and customers
        for _ in range(self.poisson(len(self.sellers) * 0.02 + 2)):
            s = self.sellers[self.pick_weighted(self.s_cum)]
            if s in self.key_sellers and r.random() < 0.8:
                continue
            tk = self.new_ticket("fraud_report", ("system", "risk-engine"), base + r.randrange(DAY), sel=s,
                                 extra={"signal": r.choice(["chargeback_spike", "refund_rate", "listing_copy", "buyer_reports"])})
            self.q_push("trust", tk)
        for _ in range(self.poisson(self.a.customers * 0.0005 + 1)):
            c = self.customers[self.pick_weighted(self.c_cum)]
            if self.cust_orders.get(c):
                oi = self.cust_orders[c][-1]
                tk = self.new_ticket("fraud_report", ("system", "risk-engine"), max(base + r.randrange(DAY), self.o_t[oi] + MIN),
                                     cust=c, sel=self.o_sel[oi], order=self.o_id[oi], extra={"signal": "payment_risk"})
                self.q_push(r.choice(["trust", "fin"]), tk)
        # seller tickets about their orders / account
        for _ in range(self.poisson(len(self.sellers) * 0.05 + n * 0.06)):
            if r.random() < 0.55:
                s = self.sellers[self.pick_weighted(self.s_cum)]
            else:
                s = self.sellers[r.randrange(len(self.sellers))]
            t = base + int(H * (7 + 12 * r.random())) + r.randrange(-2 * H, 2 * H)
            oi = self.recent_order_of(s, t)
            q = "key" if s in self.key_sellers else "seller"
            if oi is not None and r.random() < 0.75:
                tk = self.new_ticket(r.choice(["order_issue", "order_issue", "other"]), ("seller", s), t,
                                     cust=self.o_cust[oi], sel=s, order=self.o_id[oi])
            else:
                tk = self.new_ticket(r.choice(["account", "other"]), ("seller", s), t, sel=s)
            self.q_push(q, tk)
        # data subject requests (customer asks for a copy of their data)
        for _ in range(self.poisson(self.a.customers * 0.00004)):
            c = self.customers[r.randrange(len(self.customers))]
            tk = self.new_ticket("account", ("customer", c), base + r.randrange(DAY), cust=c, extra={"topic": "data_access_request"})
            self.q_push("privacy", tk)
        # bug reports needing engineers
        for _ in range(self.poisson(1.5)):
            c = self.customers[self.pick_weighted(self.c_cum)]
            tk = self.new_ticket("other", ("system", "helpdesk"), base + r.randrange(DAY), cust=c, extra={"topic": "bug_escalation"})
            self.q_push("sre", tk)

    def q_push(self, q, tk):
        self.future_q[(tk.open_t - START_MS) // DAY].append((q, tk))

    def place_order(self, c, sel, t, d, decoy=False):
        r = self.r
        if sel is None:
            for _ in range(4):
                sel = self.sellers[self.pick_weighted(self.s_cum)]
                if self.s_state[sel] == "active":
                    break
        prod = r.choice(self.catalog[sel])
        self.ord_seq += 1
        oid = "ord-%08d" % (30_000_000 + self.ord_seq * 13)
        oi = len(self.o_id)
        self.o_id.append(oid)
        self.o_t.append(t)
        self.o_cust.append(c)
        self.o_sel.append(sel)
        self.o_prod.append(prod)
        self.sel_orders[sel].append(oi)
        self.cust_orders[c].append(oi)
        if decoy:
            self.decoy_orders.add(oi)
        self.E(t, cust_actor(c), "order.create", {"type": "order", "id": oid}, attrs={"seller": sel, "product": prod})
        neg = self.s_neg[sel]
        p_rev = 0.22 + 0.5 * neg
        if decoy or r.random() < p_rev:
            u = r.random()
            if u < neg:
                rating = 1 if r.random() < 0.6 else 2
            elif u < neg + 0.08:
                rating = 3
            elif u < neg + 0.33:
                rating = 4
            else:
                rating = 5
            self.pending_reviews[d + r.randrange(2, 12)].append((oi, rating, "normal"))
        return oi

    def place_review(self, oi, rating, t, kind):
        r = self.r
        self.rev_seq += 1
        rid = "rvw-%07d" % (5_000_000 + self.rev_seq * 3)
        vi = len(self.v_id)
        c, s = self.o_cust[oi], self.o_sel[oi]
        self.v_id.append(rid)
        self.v_t.append(t)
        self.v_cust.append(c)
        self.v_sel.append(s)
        self.v_rating.append(rating)
        self.v_del.append(False)
        self.sel_reviews[s].append(vi)
        self.E(t, cust_actor(c), "review.create", {"type": "review", "id": rid},
               attrs={"seller": s, "product": self.o_prod[oi], "rating": rating})
        if c in self.decoy_set or kind == "history":
            return vi
        if rating <= 2 and kind == "normal" and r.random() < self.s_disp[s] * 0.6:
            tt = t + r.randrange(2 * H, 4 * DAY)
            tk = self.new_ticket("review_dispute", ("seller", s), tt, cust=c, sel=s, review=rid)
            tk.extra = {"vi": vi}
            self.q_push("mod", tk)
        elif kind == "normal" and r.random() < 0.10:
            # model-flagged spam / abuse
            tt = t + r.randrange(10 * MIN, 20 * H)
            tk = self.new_ticket("review_dispute", ("system", "review-guard"), tt, cust=c, sel=s, review=rid,
                                 extra={"flag": r.choice(["spam", "abuse", "off_topic"])})
            tk.extra = {"vi": vi, "flag": True}
            self.q_push("mod", tk)
        return vi

    def ban_seller(self, s, t, reason, appeal_p=None, wave=None):
        r = self.r
        self.s_state[s] = "banned"
        self.s_ban[s] = (reason, t)
        at = {"reason": reason}
        if wave:
            at["rule"] = wave
        self.E(t, sys_actor("trust-engine"), "account.ban", {"type": "seller", "id": s}, attrs=at)
        if wave is None:
            self.recent_seller_bans.append((s, t))
        if appeal_p is None:
            appeal_p = 0.55
        if r.random() < appeal_p:
            tt = t + r.randrange(3 * H, 5 * DAY)
            tk = self.new_ticket("appeal", ("seller", s), tt, sel=s)
            tk.extra = {"acct": ("seller", s), "merit": r.random() < 0.35}
            self.q_push("trust", tk)

    def ban_customer(self, c, t, reason):
        r = self.r
        self.c_state[c] = "banned"
        self.c_ban[c] = (reason, t)
        self.E(t, sys_actor("trust-engine"), "account.ban", {"type": "customer", "id": c}, attrs={"reason": reason})
        if r.random() < 0.4:
            tt = t + r.randrange(3 * H, 4 * DAY)
            tk = self.new_ticket("appeal", ("customer", c), tt, cust=c)
            tk.extra = {"acct": ("customer", c), "merit": r.random() < 0.45}
            self.q_push("trust", tk)

    def recent_order_of(self, s, t, within=30 * DAY):
        lst = self.sel_orders.get(s)
        if not lst:
            return None
        for _ in range(4):
            oi = lst[-1 - min(len(lst) - 1, int(self.r.expovariate(1 / 8)))]
            if self.o_t[oi] < t - 10 * MIN and self.o_t[oi] > t - within and oi not in self.decoy_orders:
                return oi
        return None

    def random_order_before(self, t, span=20 * DAY):
        hi = bisect.bisect_left(self.o_t, t - 15 * MIN)
        lo = bisect.bisect_left(self.o_t, t - span)
        if hi <= lo:
            return None
        for _ in range(5):
            oi = self.r.randrange(lo, hi)
            if oi not in self.decoy_orders and self.o_t[oi] < t - 15 * MIN:
                return oi
        return None

    # ------------------------------------------------------------ staff work
    def take(self, q, t):
        dq = self.queues[q]
        if dq and dq[0].open_t < t - 2 * MIN:
            return dq.popleft()
        return None

    def login(self, e, t, d):
        r = self.r
        if r.random() < 0.02:
            self.E(t - r.randrange(MIN, 5 * MIN), e.actor, "auth.login", outcome="failed",
                   attrs={"ip": e.ip, "device": e.dev})
        ip = e.ip if r.random() > 0.06 else "172.20.%d.%d" % (r.randrange(256), r.randrange(2, 250))
        self.E(t, e.actor, "auth.login", attrs={"ip": ip, "device": e.dev})

    def customer_ticket(self, e, t, d):
        """A customer contacts support; ticket created just before pick-up."""
        r = self.r
        t_open = t - int(min(30 * H, max(2 * MIN, r.expovariate(1 / (2.5 * H)))))
        u = r.random()
        oi = self.random_order_before(t_open) if u < 0.72 else None
        if oi is not None:
            c = self.o_cust[oi]
            kind = "order_issue" if r.random() < 0.9 else "fraud_report"
            tk = self.new_ticket(kind, ("customer", c), t_open, cust=c, sel=self.o_sel[oi], order=self.o_id[oi])
            tk.extra = {"oi": oi}
        else:
            c = self.customers[self.pick_weighted(self.c_cum)]
            tk = self.new_ticket(r.choice(["account", "account", "other"]), ("customer", c), t_open, cust=c)
        return tk

    def work_customer_ticket(self, e, tk, t, d, purpose_code="customer_request"):
        r = self.r
        self.assign(e, tk, t, d)
        p = {"ticket": tk.id, "code": purpose_code}
        t += r.randrange(20_000, 3 * MIN)
        if r.random() < 0.25:
            others = [self.customers[r.randrange(len(self.customers))] for _ in range(r.choice([0, 0, 1, 2]))]
            self.search(e, t, self.phone_q() if r.random() < 0.5 else self.email_q(), [tk.cust] + others, d, p)
            t += r.randrange(10_000, 60_000)
        if tk.kind == "order_issue" or tk.kind == "fraud_report":
            f = ["name", "address", "orders"] + (["phone"] if r.random() < 0.3 else [])
        elif tk.kind == "account":
            f = ["name", "email", "account"] + (["phone"] if r.random() < 0.4 else [])
        else:
            f = ["name", "email"]
        if r.random() < 0.07:
            f.append("payment")
        self.view(e, t, tk.cust, f, p, d)
        oi = tk.extra.get("oi") if tk.extra else None
        if oi is not None:
            t += r.randrange(20_000, 4 * MIN)
            self.oview(e, t, oi, p, d)
            if r.random() < 0.3:
                others = self.cust_orders[tk.cust]
                o2 = others[r.randrange(len(others))]
                if self.o_t[o2] < t and o2 not in self.decoy_orders:
                    self.oview(e, t + r.randrange(10_000, MIN), o2, p, d)
        if r.random() < 0.2:
            t += r.randrange(2 * MIN, 10 * MIN)
            self.view(e, t, tk.cust, ["orders"], p, d)
        # sloppy: a view of a related customer (gift recipient / household) citing this ticket
        if r.random() < 0.005 * e.sloppy:
            c2 = self.customers[r.randrange(len(self.customers))]
            self.view(e, t + r.randrange(MIN, 5 * MIN), c2, ["name", "address"], p, d)
            self.sloppy["view_other_customer_on_ticket"] += 1
        return t + r.randrange(4 * MIN, 18 * MIN)

    def finish(self, e, tk, t, d):
        """Decide ticket outcome after the first touch."""
        r = self.r
        u = r.random()
        if u < 0.76:
            self.close(e, tk, t, r.choice(["resolved", "refund_issued", "replacement_sent", "info_provided", "resolved"]), d)
            if r.random() < 0.012 * e.sloppy:
                # customer writes back after closure; agent looks again citing the closed ticket
                e.pending.append((d + r.randrange(1, 5), tk, "late"))
        elif u < 0.88:
            e.pending.append((d + r.randrange(1, 3), tk, "followup"))
        elif u < 0.92 and tk.kind in ("order_issue", "fraud_report"):
            tk.open_t = t
            self.queues["fin"].append(tk)
        else:
            self.close(None, tk, t + 72 * H + r.randrange(H), "auto_closed_no_reply", d)

    def do_pending(self, e, t, d):
        r = self.r
        keep = []
        for due, tk, kind in e.pending:
            if due > d:
                keep.append((due, tk, kind))
                continue
            if tk.owner != e.id:
                continue
            p = {"ticket": tk.id, "code": "customer_request"}
            t += r.randrange(2 * MIN, 12 * MIN)
            self.view(e, t, tk.cust, ["name", "orders"], p, d)
            if kind == "late":
                self.sloppy["late_followup_closed_ticket"] += 1
            else:
                t += r.randrange(3 * MIN, 15 * MIN)
                self.close(e, tk, t, "resolved", d)
        e.pending = keep
        return t

    def cover_pending(self, d, active):
        """Agents absent today: a teammate takes over their due follow-ups."""
        r = self.r
        by_team = defaultdict(list)
        for e in active:
            if e.role == "support-agent":
                by_team[e.team].append(e)
        act_ids = set(x.id for x in active)
        for e in self.by_role["support-agent"]:
            if e.id in act_ids or not e.pending:
                continue
            due = [x for x in e.pending if x[0] <= d]
            if not due:
                continue
            mates = by_team.get(e.team)
            if not mates:
                continue
            if not (e.leave_day <= d or d in e.vac):
                continue  # day off or sick: the follow-up waits for the owner
            cov = mates[r.randrange(len(mates))]
            e.pending = [x for x in e.pending if x[0] > d]
            la = self.lookalikes["queue_cover"]
            if len(la["notes"]) < 400:
                la["notes"].append({"day": d, "absent": e.id, "cover": cov.id, "tickets": len(due)})
            if cov.id not in la["members"]:
                la["members"].append(cov.id)
            t0, _ = self.shift_window(cov, d)
            t = t0 + r.randrange(20 * MIN, 3 * H)
            for _, tk, kind in due:
                p = {"ticket": tk.id, "code": "customer_request"}
                if r.random() < 0.82:
                    self.assign(cov, tk, t, d)
                else:
                    self.sloppy["cover_without_reassign"] += 1
                t += r.randrange(MIN, 5 * MIN)
                self.view(cov, t, tk.cust, ["name", "orders"], p, d)
                if kind != "late":
                    t += r.randrange(3 * MIN, 10 * MIN)
                    self.close(cov, tk, t, "resolved", d)

    def support_day(self, e, d, t, t1):
        r = self.r
        t = self.do_pending(e, t, d)
        new = e.hire_day > 0 and d - e.hire_day < 7
        n = self.poisson(9 * e.vol * (0.5 if new else 1.0))
        if new and e.mentor is not None:
            # shadowing: trainee looks at mentor's open tickets (mentor's ticket, not assigned to trainee)
            m = e.mentor
            # only tickets already closed by now: one cannot look at a ticket that does not exist yet
            mt = [tk for tk in self.recent_closed[-400:] if tk.owner == m.id and tk.close_t <= t][-3:]
            for tk in mt:
                t += r.randrange(5 * MIN, 20 * MIN)
                self.view(e, t, tk.cust, ["name", "orders"], {"ticket": tk.id, "code": "customer_request", "reason": "shadowing"}, d)
            la = self.lookalikes["new_hire_shadowing"]
            if e.id not in la["members"]:
                la["members"].append(e.id)
        for _ in range(n):
            if t > t1:
                break
            t += r.randrange(MIN, 12 * MIN)
            if r.random() < 0.06:
                t += r.randrange(15 * MIN, 45 * MIN)  # break
            tk = self.customer_ticket(e, t, d)
            t = self.work_customer_ticket(e, tk, t, d)
            self.finish(e, tk, t, d)
            if tk.close_t:
                self.recent_closed.append(tk)
        # sloppy: quick look-up without any ticket
        if r.random() < 0.04 * e.sloppy:
            c = self.customers[self.pick_weighted(self.c_cum)]
            self.view(e, t + r.randrange(MIN, 20 * MIN), c, ["name", "orders"], None, d)
            self.sloppy["view_without_purpose"] += 1

    def lead_day(self, e, d, t, t1):
        """Team lead: escalations + auditing own agents' closed tickets."""
        r = self.r
        for _ in range(self.poisson(3)):
            t += r.randrange(10 * MIN, 40 * MIN)
            tk = self.customer_ticket(e, t, d)
            t = self.work_customer_ticket(e, tk, t, d)
            self.close(e, tk, t, "resolved_escalation", d)
        team = [tk for tk in self.recent_closed[-3000:] if tk.owner and tk.owner in self.team_of and self.team_of[tk.owner] == e.team
                and tk.close_t <= t]
        if team:
            k = min(len(team), self.poisson(6))
            la = self.lookalikes["lead_audit"]
            if e.id not in la["members"]:
                la["members"].append(e.id)
            for tk in r.sample(team, k):
                t += r.randrange(3 * MIN, 15 * MIN)
                self.view(e, t, tk.cust, ["name", "orders"], {"ticket": tk.id, "code": "quality_review"}, d,
                          {"audit_of": tk.owner})

    def qa_day(self, e, d, t, t1):
        r = self.r
        pool = self.recent_closed[-6000:]
        if not pool:
            return
        la = self.lookalikes["qa_audit"]
        if e.id not in la["members"]:
            la["members"].append(e.id)
        for _ in range(self.poisson(16)):
            tk = pool[r.randrange(len(pool))]
            if tk.owner == e.id or tk.close_t > t:
                continue
            p = {"ticket": tk.id, "code": "quality_review"}
            t += r.randrange(8 * MIN, 25 * MIN)
            self.view(e, t, tk.cust, ["name", "email", "orders"], p, d, {"audit_of": tk.owner})
            if tk.extra and tk.extra.get("oi") is not None and r.random() < 0.5:
                self.oview(e, t + r.randrange(20_000, 2 * MIN), tk.extra["oi"], p, d)

    def seller_success_day(self, e, d, t, t1):
        r = self.r
        key = e.team == "partner-ops-key"
        qn = "key" if key else "seller"
        for _ in range(self.poisson(8 * e.vol)):
            if t > t1:
                break
            t += r.randrange(3 * MIN, 20 * MIN)
            tk = self.take(qn, t)
            if tk is None:
                if key:
                    tk = self.take("seller", t)
                if tk is None:
                    continue
            self.assign(e, tk, t, d)
            p = {"ticket": tk.id, "code": "seller_request"}
            t += r.randrange(MIN, 5 * MIN)
            if tk.cust:
                self.view(e, t, tk.cust, ["name", "address", "orders"], p, d)
                if tk.order:
                    oi = self.oid_index(tk.order)
                    if oi is not None:
                        self.oview(e, t + r.randrange(20_000, 2 * MIN), oi, p, d)
            else:
                # seller account question: look at a few of the seller's recent orders
                for _ in range(r.choice([0, 1, 2])):
                    oi = self.recent_order_of(tk.sel, t)
                    if oi is not None:
                        self.oview(e, t + r.randrange(20_000, 3 * MIN), oi, p, d)
            t += r.randrange(5 * MIN, 25 * MIN)
            self.close(e, tk, t, r.choice(["resolved", "seller_informed", "refund_coordinated"]), d)
            if key:
                la = self.lookalikes["key_account_desk"]
                if e.id not in la["members"]:
                    la["members"].append(e.id)

    def oid_index(self, oid):
        # order ids are "ord-" + (30M + seq*13)
        n = (int(oid[4:]) - 30_000_000) // 13 - 1
        if 0 <= n < len(self.o_id) and self.o_id[n] == oid:
            return n
        return None

    def mod_day(self, e, d, t, t1):
        r = self.r
        for _ in range(self.poisson(14 * e.vol)):
            if t > t1:
                break
            t += r.randrange(3 * MIN, 15 * MIN)
            tk = self.take("mod", t)
            if tk is None:
                continue
            self.assign(e, tk, t, d)
            vi = tk.extra["vi"] if tk.extra else None
            flagged = bool(tk.extra and tk.extra.get("flag"))
            p = {"ticket": tk.id, "code": "seller_request" if tk.opener[0] == "seller" else "quality_review"}
            t += r.randrange(MIN, 6 * MIN)
            if r.random() < 0.35:
                self.view(e, t, tk.cust, ["reviews", "account"], p, d)
                t += r.randrange(MIN, 4 * MIN)
            if vi is not None and not self.v_del[vi] and (r.random() < (0.4 if flagged else 0.28)):
                self.v_del[vi] = True
                reason = r.choice(["spam", "spam", "abuse", "off_topic"]) if flagged else r.choice(["abuse", "off_topic", "seller_request", "other"])
                self.E(t, e.actor, "review.delete", {"type": "review", "id": self.v_id[vi]}, purpose=p,
                       attrs=self.attrs(e, d, {"reason": reason}))
                res = "review_removed"
                if not flagged and r.random() < 0.08:
                    # reviewer appeals; restored later by the same team
                    self.restore_later.append((d + r.randrange(2, 6), vi))
            else:
                res = "review_kept"
            t += r.randrange(MIN, 5 * MIN)
            self.close(e, tk, t, res, d)
            self.recent_mod.append(tk)

    def restore_day(self, d, active_mods):
        r = self.r
        due = [x for x in self.restore_later if x[0] == d]
        self.restore_later = [x for x in self.restore_later if x[0] != d]
        if not active_mods:
            return
        for _, vi in due:
            e = active_mods[r.randrange(len(active_mods))]
            t0, _ = self.shift_window(e, d)
            t = t0 + r.randrange(H, 6 * H)
            c = self.v_cust[vi]
            tk = self.new_ticket("review_dispute", ("customer", c), t - r.randrange(2 * H, 20 * H), cust=c,
                                 sel=self.v_sel[vi], review=self.v_id[vi])
            self.assign(e, tk, t, d)
            p = {"ticket": tk.id, "code": "customer_request"}
            self.view(e, t + MIN, c, ["reviews"], p, d)
            self.v_del[vi] = False
            self.E(t + 3 * MIN, e.actor, "review.restore", {"type": "review", "id": self.v_id[vi]}, purpose=p, attrs=self.attrs(e, d))
            self.close(e, tk, t + 5 * MIN, "review_restored", d)

    def trust_day(self, e, d, t, t1):
        r = self.r
        for _ in range(self.poisson(5 * e.vol)):
            if t > t1:
                break
            t += r.randrange(8 * MIN, 30 * MIN)
            tk = self.take("trust", t)
            if tk is None:
                continue
            self.assign(e, tk, t, d)
            t += r.randrange(MIN, 5 * MIN)
            if tk.kind == "appeal":
                typ, acc = tk.extra["acct"]
                p = {"ticket": tk.id, "code": "fraud_investigation"}
                if typ == "customer":
                    self.view(e, t, acc, ["name", "orders", "account"], p, d)
                else:
                    for _ in range(r.choice([1, 2, 3])):
                        oi = self.recent_order_of(acc, t, 60 * DAY)
                        if oi is not None:
                            t += r.randrange(MIN, 4 * MIN)
                            self.oview(e, t, oi, p, d)
                t += r.randrange(5 * MIN, 20 * MIN)
                banned = (self.s_state.get(acc) if typ == "seller" else self.c_state.get(acc)) == "banned"
                if banned and tk.extra.get("merit"):
                    self.reactivate(e, typ, acc, t, d, tk.id, p)
                    self.close(e, tk, t + r.randrange(MIN, 4 * MIN), "appeal_granted", d)
                else:
                    self.close(e, tk, t + r.randrange(MIN, 4 * MIN), "appeal_denied" if banned else "no_action", d)
            else:
                p = {"ticket": tk.id, "code": "fraud_investigation"}
                if tk.cust:
                    self.view(e, t, tk.cust, ["name", "orders", "payment"], p, d)
                if tk.sel:
                    for _ in range(r.choice([1, 2, 3, 4])):
                        oi = self.recent_order_of(tk.sel, t)
                        if oi is not None:
                            t += r.randrange(MIN, 4 * MIN)
                            self.oview(e, t, oi, p, d)
                            if r.random() < 0.3:
                                self.view(e, t + r.randrange(20_000, MIN), self.o_cust[oi], ["name", "orders"], p, d)
                t += r.randrange(5 * MIN, 25 * MIN)
                if tk.sel and self.s_state[tk.sel] == "active" and r.random() < 0.12 and tk.sel not in self.key_sellers:
                    self.s_state[tk.sel] = "suspended"
                    self.s_ban[tk.sel] = ("fraud", t)
                    self.E(t, e.actor, "account.suspend", {"type": "seller", "id": tk.sel}, purpose=p,
                           attrs=self.attrs(e, d, {"reason": r.choice(["fraud", "counterfeit", "policy"])}))
                    if r.random() < 0.5:
                        at = self.new_ticket("appeal", ("seller", tk.sel), t + r.randrange(6 * H, 4 * DAY), sel=tk.sel)
                        at.extra = {"acct": ("seller", tk.sel), "merit": r.random() < 0.4}
                        self.q_push("trust", at)
                    self.close(e, tk, t + MIN, "seller_suspended", d)
                else:
                    self.close(e, tk, t + MIN, "no_action", d)

    def reactivate(self, e, typ, acc, t, d, appeal, purpose):
        at = self.attrs(e, d)
        if appeal:
            at["appeal"] = appeal
        if typ == "seller":
            self.s_state[acc] = "active"
        else:
            self.c_state[acc] = "active"
        self.E(t, e.actor, "account.reactivate", {"type": typ, "id": acc}, purpose=purpose, attrs=at)

    def fin_day(self, e, d, t, t1):
        r = self.r
        for _ in range(self.poisson(9 * e.vol)):
            if t > t1:
                break
            t += r.randrange(5 * MIN, 25 * MIN)
            tk = self.take("fin", t)
            if tk is None:
                continue
            self.assign(e, tk, t, d)
            p = {"ticket": tk.id, "code": "customer_request" if tk.opener[0] == "customer" else "fraud_investigation"}
            t += r.randrange(MIN, 5 * MIN)
            self.view(e, t, tk.cust, ["name", "payment", "orders"], p, d)
            oi = self.oid_index(tk.order) if tk.order else None
            if oi is not None:
                self.oview(e, t + r.randrange(20_000, 3 * MIN), oi, p, d)
            t += r.randrange(5 * MIN, 20 * MIN)
            self.close(e, tk, t, r.choice(["refund_issued", "chargeback_accepted", "chargeback_disputed"]), d)

    def privacy_day(self, e, d, t, t1):
        r = self.r
        for _ in range(6):
            t += r.randrange(10 * MIN, 40 * MIN)
            tk = self.take("privacy", t)
            if tk is None:
                break
            self.assign(e, tk, t, d)
            p = {"ticket": tk.id, "code": "customer_request"}
            self.view(e, t + 2 * MIN, tk.cust, ["name", "email", "account"], p, d)
            self.export(e, t + r.randrange(5 * MIN, 30 * MIN), [tk.cust], "json", d, p, {"request": "subject_access"})
            self.close(e, tk, t + 40 * MIN, "data_provided", d)
            la = self.lookalikes["legal_export_desk"]
            if e.id not in la["members"]:
                la["members"].append(e.id)

    def sre_day(self, e, d, t, t1):
        r = self.r
        if r.random() < 0.5:
            t += r.randrange(30 * MIN, 4 * H)
            tk = self.take("sre", t)
            if tk is not None:
                self.assign(e, tk, t, d)
                p = {"ticket": tk.id, "code": "break_glass", "reason": "bug reproduction"}
                self.view(e, t + 5 * MIN, tk.cust, ["account", "orders"], p, d)
                self.close(e, tk, t + r.randrange(H, 3 * H), "fixed", d)

    # ------------------------------------------------------------ look-alike events
    def plan_lookalikes(self):
        r, D = self.r, self.days
        self.la_plan = defaultdict(list)
        # spam-wave cleanup: bot reviews bombing one seller, cleaned by moderators
        for i in range(max(1, D // 30)):
            d = r.randrange(min(3, D - 2), max(4, D - 2))
            s = self.sellers[r.randrange(8, min(60, len(self.sellers)))]
            self.la_plan[d].append(("spam_wave", s))
        # false-positive ban wave
        for i in range(max(1, D // 45)):
            d = r.randrange(min(2, D - 3), max(3, D - 3))
            self.la_plan[d].append(("fp_ban_wave", None))
        # incident with break-glass
        for i in range(max(1, D // 30)):
            d = r.randrange(min(2, D - 1), max(3, D - 1))
            self.la_plan[d].append(("incident", None))
        # large fraud case, later a legal export for law enforcement
        for i in range(max(1, D // 12)):
            d = r.randrange(min(2, D - 4), max(3, D - 4))
            s = self.sellers[r.randrange(10, min(200, len(self.sellers)))]
            if s in self.key_sellers:
                continue
            self.la_plan[d].append(("fraud_case", s))
        # seller offboarding: notify buyers with open orders (approved export)
        for i in range(max(1, D // 40)):
            d = r.randrange(min(3, D - 2), max(4, D - 2))
            s = self.sellers[r.randrange(20, min(300, len(self.sellers)))]
            self.la_plan[d].append(("offboarding", s))

    def staff_on(self, role, d):
        return [e for e in self.by_role[role] if self.works(e, d) and e.ins is None]

    def run_lookalikes(self, d):
        r = self.r
        base = START_MS + d * DAY
        for kind, s in self.la_plan.pop(d, []):
            if kind == "spam_wave":
                mods = self.staff_on("moderator", d) + self.staff_on("moderator", min(d + 1, self.days - 1))
                if not mods:
                    continue
                la = self.lookalikes["spam_wave_cleanup"]
                la["sellers"].append(s)
                la["days"].append(d)
                t0 = base + r.randrange(2 * H, 10 * H)
                n = r.randrange(40, 140)
                bots = []
                vis = []
                for i in range(n):
                    c = self.fresh_customer()
                    t = t0 + int(i * r.uniform(1, 6) * MIN)
                    # fresh bot accounts buy the cheapest item, then post 1-star
                    oi = len(self.o_id)
                    self.ord_seq += 1
                    oid = "ord-%08d" % (30_000_000 + self.ord_seq * 13)
                    self.o_id.append(oid); self.o_t.append(t - 3 * H); self.o_cust.append(c)
                    self.o_sel.append(s); self.o_prod.append(self.catalog[s][0])
                    self.sel_orders[s].append(oi); self.cust_orders[c].append(oi)
                    self.decoy_orders.add(oi)  # keep honest ticket flow off these
                    self.E(t - 3 * H, cust_actor(c), "order.create", {"type": "order", "id": oid},
                           attrs={"seller": s, "product": self.catalog[s][0]})
                    vis.append(self.place_review(oi, 1, t, "bot"))
                    bots.append(c)
                tk_s = self.new_ticket("review_dispute", ("seller", s), t0 + r.randrange(H, 4 * H), sel=s,
                                       extra={"topic": "review_bombing", "count": n})
                tk = self.new_ticket("fraud_report", ("system", "review-guard"), t0 + r.randrange(2 * H, 5 * H), sel=s,
                                     extra={"signal": "review_burst", "count": n})
                crew = r.sample(mods, min(len(mods), r.randrange(2, 5)))
                la["members"] += [m.id for m in crew if m.id not in la["members"]]
                tc = max(tk.open_t, tk_s.open_t) + r.randrange(30 * MIN, 3 * H)
                for m in crew:
                    self.assign(m, tk, tc + r.randrange(MIN), d)
                for j, vi in enumerate(vis):
                    m = crew[j % len(crew)]
                    tt = tc + r.randrange(5 * MIN, 26 * H)
                    self.v_del[vi] = True
                    p = {"ticket": tk.id, "code": "quality_review"}
                    self.E(tt, m.actor, "review.delete", {"type": "review", "id": self.v_id[vi]}, purpose=p,
                           attrs=self.attrs(m, d, {"reason": "spam"}))
                    if r.random() < 0.5:
                        self.ban_customer_quiet(bots[j], tt + r.randrange(MIN, 30 * MIN))
                self.close(crew[0], tk, tc + 27 * H, "attack_cleaned", d)
                self.close(crew[0], tk_s, tc + 27 * H + MIN, "reviews_removed", d)
            elif kind == "fp_ban_wave":
                trust = self.staff_on("trust-analyst", d + 1 if d + 1 < self.days else d)
                if not trust:
                    continue
                la = self.lookalikes["false_positive_ban_wave"]
                la["days"].append(d)
                t0 = base + r.randrange(H, 12 * H)
                victims = [s for s in r.sample(self.sellers[5:], min(len(self.sellers) - 5, 80))
                           if self.s_state[s] == "active"][:r.randrange(20, 60)]
                for s in victims:
                    self.ban_seller(s, t0 + r.randrange(0, 40 * MIN), "review_manipulation", appeal_p=0.0, wave="rm-model-v7")
                la["sellers"] += victims
                crew = r.sample(trust, min(len(trust), r.randrange(2, 6)))
                la["members"] += [m.id for m in crew if m.id not in la["members"]]
                ta = t0 + r.randrange(10 * H, 20 * H)
                for i, s in enumerate(victims):
                    if r.random() < 0.08:
                        continue  # a few are genuinely manipulating; ban stands
                    tk = self.new_ticket("appeal", ("seller", s), ta + r.randrange(0, 8 * H), sel=s)
                    m = crew[i % len(crew)]
                    tt = tk.open_t + r.randrange(30 * MIN, 20 * H)
                    self.assign(m, tk, tt, d)
                    p = {"ticket": tk.id, "code": "fraud_investigation", "reason": "rm-model-v7 rollback"}
                    self.reactivate(m, "seller", s, tt + r.randrange(MIN, 6 * MIN), d, tk.id, p)
                    self.close(m, tk, tt + 7 * MIN, "appeal_granted", d)
            elif kind == "incident":
                sres = self.staff_on("sre", d) or [e for e in self.by_role["sre"] if e.ins is None and d < e.leave_day]
                if not sres:
                    continue
                la = self.lookalikes["incident_break_glass"]
                la["days"].append(d)
                self.inc_seq += 1
                inc = "INC-%04d" % (4100 + self.inc_seq)
                t0 = base + r.randrange(0, 20 * H)
                crew = r.sample(sres, min(len(sres), r.randrange(2, 4)))
                la["members"] += [m.id for m in crew if m.id not in la["members"]]
                hi = bisect.bisect_left(self.o_t, t0)
                lo = bisect.bisect_left(self.o_t, t0 - 6 * H)
                cand = [oi for oi in range(lo, hi) if oi not in self.decoy_orders and self.o_t[oi] < t0]
                k = min(len(cand), r.randrange(40, 160))
                for j, oi in enumerate(r.sample(cand, k)):
                    m = crew[j % len(crew)]
                    tt = t0 + r.randrange(10 * MIN, 6 * H)
                    p = {"code": "break_glass", "reason": "incident %s: payment capture failures" % inc}
                    self.oview(m, tt, oi, p, d)
                    if r.random() < 0.6:
                        self.view(m, tt + r.randrange(10_000, MIN), self.o_cust[oi], ["payment", "orders"], p, d,
                                  {"incident": inc})
            elif kind == "fraud_case":
                trust = self.staff_on("trust-analyst", d)
                if not trust or self.s_state[s] != "active":
                    continue
                m = trust[r.randrange(len(trust))]
                la = self.lookalikes["fraud_case_investigation"]
                la["members"].append(m.id) if m.id not in la["members"] else None
                la["sellers"].append(s)
                la["days"].append(d)
                t = base + r.randrange(0, 10 * H)
                tk = self.new_ticket("fraud_report", ("system", "risk-engine"), t, sel=s, extra={"signal": "buyer_reports", "case": "large"})
                ta = t + r.randrange(H, 4 * H)
                self.assign(m, tk, ta, d)
                p = {"ticket": tk.id, "code": "fraud_investigation"}
                buyers = [oi for oi in self.sel_orders[s][-400:] if oi not in self.decoy_orders]
                k = min(len(buyers), r.randrange(30, 100))
                for oi in r.sample(buyers, k):
                    tt = ta + r.randrange(5 * MIN, 30 * H)
                    self.oview(m, tt, oi, p, d)
                    self.view(m, tt + r.randrange(10_000, 2 * MIN), self.o_cust[oi], ["name", "address", "orders", "payment"], p, d)
                tsus = ta + 31 * H
                self.s_state[s] = "suspended"
                self.s_ban[s] = ("fraud", tsus)
                self.E(tsus, m.actor, "account.suspend", {"type": "seller", "id": s}, purpose=p,
                       attrs=self.attrs(m, d, {"reason": "fraud"}))
                self.close(m, tk, tsus + 5 * MIN, "seller_suspended", d)
                if r.random() < 0.6:
                    self.la_plan[min(self.days - 1, d + r.randrange(2, 8))].append(("legal_export", s))
            elif kind == "legal_export" or kind == "offboarding":
                role = "privacy-officer" if kind == "legal_export" else "seller-success"
                staff = self.staff_on(role, d)
                if not staff:
                    continue
                m = staff[r.randrange(len(staff))]
                la = self.lookalikes["legal_export_desk" if kind == "legal_export" else "seller_offboarding_notice"]
                la["members"].append(m.id) if m.id not in la["members"] else None
                la["sellers"].append(s)
                la["days"].append(d)
                t = base + r.randrange(6 * H, 14 * H)
                tk = self.new_ticket("other", ("system", "legal-intake" if kind == "legal_export" else "partner-ops"), t, sel=s,
                                     extra={"topic": "law_enforcement_request" if kind == "legal_export" else "seller_offboarding"})
                self.assign(m, tk, t + r.randrange(H, 3 * H), d)
                cust = []
                seen = set()
                for oi in self.sel_orders[s]:
                    c = self.o_cust[oi]
                    if oi in self.decoy_orders or c in seen:
                        continue
                    seen.add(c)
                    cust.append(c)
                if kind == "offboarding":
                    cust = cust[-r.randrange(30, 200):]
                p = {"ticket": tk.id, "code": "legal" if kind == "legal_export" else "seller_request", "approval": self.approval()}
                te = t + r.randrange(3 * H, 5 * H)
                self.search(m, te, "seller:%s buyers" % s, cust[:500], d, p)
                self.export(m, te + 4 * MIN, cust, "csv", d, p)
                self.close(m, tk, te + H, "export_delivered", d)

    def fresh_customer(self):
        while True:
            c = "cust-%07d" % self.r.randrange(1_000_000, 9_999_999)
            if c not in self.all_cust:
                self.all_cust.add(c)
                return c

    def ban_customer_quiet(self, c, t):
        self.c_state[c] = "banned"
        self.c_ban[c] = ("review_manipulation", t)
        self.E(t, sys_actor("trust-engine"), "account.ban", {"type": "customer", "id": c}, attrs={"reason": "review_manipulation"})

    # ------------------------------------------------------------ insiders
    def plan_insiders(self):
        a, r = self.a, self.r
        sc = a.employees / 1000.0
        plan = []
        plan += ["reviewer_dossier_sale"] * max(1, round(3 * sc))
        plan += ["competitor_buyer_poach"] * (round(2 * sc) if a.employees >= 200 else 0)
        plan += ["paid_review_purge"] * max(1, round(2 * sc))
        plan += ["banned_seller_revival"] * max(1, round(2 * sc))
        plan += ["exit_data_grab"] * max(1, round(3 * sc))
        nring = max(1, round(sc)) if a.employees >= 1500 else 1
        D = self.days
        used = set()
        bi = 0

        def pick(role, alt=None):
            pool = [e for e in self.by_role[role] if e.id not in used and e.leave_day >= D and e.hire_day == 0 and not e.vac]
            if not pool and alt:
                return pick(alt)
            if not pool:
                pool = [e for e in self.by_role[role] if e.id not in used]
            e = pool[r.randrange(len(pool))]
            used.add(e.id)
            return e

        def window(subtle):
            if subtle:
                length = max(3, int(D * r.uniform(0.3, 0.55)))
            else:
                length = max(2, min(int(D * 0.25), r.randrange(4, 12)))
            st = r.randrange(max(1, int(D * 0.08)), max(2, D - length))
            return st, min(D, st + length)

        p_subtle = 0.2 + 0.6 * self.cover
        # per scenario kind: a mix of subtle and blatant insiders (share set by --cover)
        styles = {}
        for scen in sorted(set(plan)):
            k = plan.count(scen)
            ns = sum(1 for _ in range(k) if r.random() < p_subtle)
            if k >= 2 and 0.25 <= self.cover <= 0.75:
                ns = min(k - 1, max(1, ns))
            lst = [True] * ns + [False] * (k - ns)
            r.shuffle(lst)
            styles[scen] = lst
        for scen in plan:
            subtle = styles[scen].pop()
            broker = self.brokers[bi % len(self.brokers)]
            bi += 1
            role = {"reviewer_dossier_sale": "support-agent", "competitor_buyer_poach": "seller-success",
                    "paid_review_purge": "moderator", "banned_seller_revival": "trust-analyst",
                    "exit_data_grab": r.choice(["support-agent", "support-agent", "seller-success", "finance-ops"])}[scen]
            e = pick(role, "support-agent")
            st, en = window(subtle)
            if scen == "exit_data_grab":
                st = max(1, D - r.randrange(8, 20) - r.randrange(0, max(1, D // 6)))
                st = min(st, D - 3)
                en = min(D - 1, st + r.randrange(4, 16))
                e.leave_day = min(D, en + r.randrange(1, 3))
                e.leave_reason = "resigned"
            self.add_insider(e, scen, subtle, st, en, broker, None)
        for k in range(nring):
            broker = self.brokers[bi % len(self.brokers)]
            bi += 1
            ring = "ring-%d" % (k + 1)
            members = [(pick("support-agent"), "harvest"), (pick("moderator"), "purge"), (pick("trust-analyst"), "revive")]
            if a.employees >= 300:
                members.append((pick("seller-success", "support-agent"), "export"))
            st0 = r.randrange(max(1, int(D * 0.1)), max(2, int(D * 0.45)))
            for e, part in members:
                subtle = r.random() < p_subtle
                st = min(D - 2, st0 + r.randrange(0, max(1, D // 8)))
                length = max(3, int(D * r.uniform(0.25, 0.5))) if subtle else max(2, r.randrange(5, 14))
                self.add_insider(e, "broker_ring", subtle, st, min(D, st + length), broker, (ring, part))

    def add_insider(self, e, scen, subtle, st, en, broker, ring):
        r = self.r
        ins = {"emp": e, "scenario": scen, "style": "subtle" if subtle else "blatant", "start_day": st, "end_day": en,
               "broker": broker["id"], "ring": ring[0] if ring else None, "part": ring[1] if ring else None,
               "sellers": [], "customers": [], "cust_set": set(), "first": None, "last": None, "acts": defaultdict(int),
               "done": set(), "honeytokens": []}
        part = ring[1] if ring else scen
        prim, socks = broker["primary"], broker["socks"]
        if part in ("reviewer_dossier_sale", "harvest", "exit_data_grab"):
            ins["targets"] = [prim] + ([socks[0]] if r.random() < 0.5 else [])
        elif part in ("competitor_buyer_poach", "export"):
            comp = self.sellers[r.randrange(3, min(40, len(self.sellers)))]
            ins["targets"] = [comp]
            ins["client"] = prim
        elif part in ("paid_review_purge", "purge"):
            ins["targets"] = [prim] + socks[:1]
        else:
            ins["targets"] = [prim] + socks
            # schedule bans of the broker's sellers during the window so there is something to revive
            for i, s in enumerate(ins["targets"]):
                if subtle:
                    bd = st + (en - st) * i // max(1, len(ins["targets"])) + r.randrange(0, max(1, (en - st) // 3))
                else:
                    bd = st + r.randrange(0, max(1, (en - st) // 2))
                self.la_plan[min(self.days - 1, bd)].append(("broker_ban", (s, ins)))
        e.ins = ins
        self.insiders.append(ins)

    def mark(self, ins, t, kind, cust=None, seller=None):
        if seller and seller not in ins["sellers"]:
            ins["sellers"].append(seller)
        if t is None:
            return
        ins["first"] = t if ins["first"] is None else min(ins["first"], t)
        ins["last"] = t if ins["last"] is None else max(ins["last"], t)
        ins["acts"][kind] += 1
        if cust:
            for c in (cust if isinstance(cust, list) else [cust]):
                if c not in ins["cust_set"]:
                    ins["cust_set"].add(c)
                    ins["customers"].append(c)
                if c in self.decoy_set and c not in ins["honeytokens"]:
                    ins["honeytokens"].append(c)
        if seller and seller not in ins["sellers"]:
            ins["sellers"].append(seller)

    def cover_purpose(self, e, ins, c, t, code="customer_request"):
        """Purpose an insider cites for an illegitimate look-up."""
        r = self.r
        if r.random() >= self.cover:
            return None if r.random() < 0.7 else {"code": code}
        u = r.random()
        own = [tk for tk in self.recent_closed[-500:] if tk.owner == e.id and tk.cust != c and tk.open_t < t]
        old = [tk for tk in self.cust_tix.get(c, []) if tk.close_t and tk.close_t < t - 10 * DAY]
        if u < 0.45 and own:
            return {"ticket": own[-1 - r.randrange(min(5, len(own)))].id, "code": code}
        if u < 0.75 and old:
            return {"ticket": old[-1].id, "code": code}
        cur = [tk for tk in self.cust_tix.get(c, []) if tk.open_t < t]
        if cur:
            return {"ticket": cur[-1].id, "code": code}
        if own:
            return {"ticket": own[-1].id, "code": code}
        return {"code": code, "reason": r.choice(["follow-up", "callback", "verification"])}

    def victims(self, ins, t, neg_pref=0.7):
        """Reviewers (mostly negative) of the target sellers up to time t, not yet taken."""
        r = self.r
        out = []
        for s in ins["targets"]:
            for vi in self.sel_reviews.get(s, []):
                if self.v_t[vi] < t and self.v_cust[vi] not in ins["done"]:
                    out.append(vi)
        if not out:
            return []
        neg = [vi for vi in out if self.v_rating[vi] <= 2]
        return neg if (neg and r.random() < neg_pref) else out

    def insider_day(self, e, d, t0, t1):
        ins = e.ins
        if ins is None or d < ins["start_day"] or d > ins["end_day"]:
            return
        r = self.r
        part = ins["part"] or ins["scenario"]
        subtle = ins["style"] == "subtle"
        I = self.intensity
        span = max(H, t1 - t0)

        def at():
            if not subtle and r.random() < 0.25:
                return t1 + r.randrange(10 * MIN, 3 * H)  # stays late
            return t0 + r.randrange(30 * MIN, span)

        if part in ("reviewer_dossier_sale", "harvest"):
            n = self.poisson((1.6 if subtle else 22) * I)
            for _ in range(n):
                t = at()
                pool = self.victims(ins, t)
                if not pool:
                    break
                vi = pool[r.randrange(len(pool))]
                c, s = self.v_cust[vi], self.v_sel[vi]
                ins["done"].add(c)
                p = self.cover_purpose(e, ins, c, t)
                if r.random() < 0.3:
                    self.mark(ins, self.search(e, t - r.randrange(20_000, 2 * MIN), self.email_q(), [c], d, p), "search", c, s)
                self.mark(ins, self.view(e, t, c, ["name", "email", "phone", "address"], p, d), "view", c, s)
                if r.random() < 0.4:
                    for oi in self.cust_orders.get(c, [])[-3:]:
                        if self.o_sel[oi] == s and self.o_t[oi] < t:
                            self.mark(ins, self.oview(e, t + r.randrange(10_000, MIN), oi, p, d), "order_view", c, s)
                            break
            if not subtle and r.random() < 0.25 * I:
                t = at()
                pool = self.victims(ins, t, 0.0)
                cs = sorted(set(self.v_cust[vi] for vi in pool))[:400]
                if cs:
                    self.mark(ins, self.search(e, t, "seller:%s reviews" % ins["targets"][0], cs, d), "bulk_search", cs, ins["targets"][0])
                    if r.random() < 0.5:
                        self.mark(ins, self.export(e, t + 3 * MIN, cs, "csv", d), "export", cs, ins["targets"][0])
                    ins["done"].update(cs)
        elif part in ("competitor_buyer_poach", "export"):
            comp = ins["targets"][0]
            n = self.poisson((2.0 if subtle else 30) * I)
            tk = None
            if r.random() < self.cover:
                # the client seller files a generic ticket the insider then works
                tt = at()
                tk = self.new_ticket("other", ("seller", ins["client"]), tt - r.randrange(30 * MIN, 4 * H), sel=ins["client"])
                self.assign(e, tk, tt, d)
                self.mark(ins, tt, "assign_client_ticket", None, ins["client"])
            buyers = [oi for oi in self.sel_orders.get(comp, [])[-3000:] if self.o_cust[oi] not in ins["done"]]
            for _ in range(n):
                if not buyers:
                    break
                t = at()
                if tk is not None and t <= tt:
                    t = tt + r.randrange(MIN, 30 * MIN)  # the ticket must exist before it is cited
                oi = buyers[r.randrange(len(buyers))]
                if self.o_t[oi] >= t:
                    continue
                c = self.o_cust[oi]
                ins["done"].add(c)
                p = {"ticket": tk.id, "code": "seller_request"} if tk else self.cover_purpose(e, ins, c, t, "seller_request")
                self.mark(ins, self.oview(e, t, oi, p, d), "order_view", c, comp)
                self.mark(ins, self.view(e, t + r.randrange(10_000, 2 * MIN), c, ["name", "email", "phone"], p, d), "view", c, comp)
                self.mark(ins, None, "x", None, ins["client"])
            if tk:
                self.close(e, tk, t1 - r.randrange(MIN, 30 * MIN), "resolved", d)
            if not subtle and r.random() < 0.3 * I:
                t = at()
                cs = sorted(set(self.o_cust[oi] for oi in self.sel_orders.get(comp, []) if self.o_t[oi] < t))[:600]
                if cs:
                    self.mark(ins, self.search(e, t, "seller:%s buyers" % comp, cs, d), "bulk_search", cs, comp)
                    self.mark(ins, self.export(e, t + 2 * MIN, cs, "xlsx", d), "export", cs, comp)
                    self.mark(ins, None, "x", None, ins["client"])
        elif part in ("paid_review_purge", "purge"):
            wd = max(1.0, (ins["end_day"] - ins["start_day"] + 1) * 5 / 7)
            lam = (max(0.45, 5 / wd) if subtle else 9) * I
            for _ in range(self.poisson(lam)):
                t = at()
                pool = [vi for s in ins["targets"] for vi in self.sel_reviews.get(s, [])
                        if self.v_rating[vi] <= 2 and not self.v_del[vi] and self.v_t[vi] < t - H]
                if not pool:
                    pool = [vi for s in ins["targets"] for vi in self.sel_reviews.get(s, [])
                            if self.v_rating[vi] == 3 and not self.v_del[vi] and self.v_t[vi] < t - H]
                if not pool:
                    break
                vi = pool[r.randrange(len(pool))]
                s, c = self.v_sel[vi], self.v_cust[vi]
                p = None
                if r.random() < self.cover * 0.6:
                    # complicit seller files a dispute moments before; insider grabs it
                    tk = self.new_ticket("review_dispute", ("seller", s), t - r.randrange(5 * MIN, 90 * MIN), cust=c, sel=s,
                                         review=self.v_id[vi])
                    self.assign(e, tk, t - r.randrange(MIN, 4 * MIN), d)
                    p = {"ticket": tk.id, "code": "seller_request"}
                    self.close(e, tk, t + r.randrange(MIN, 5 * MIN), "review_removed", d)
                elif r.random() < self.cover:
                    # cite an unrelated dispute this moderator handled
                    own = [tk for tk in self.recent_mod[-300:] if tk.owner == e.id]
                    if own:
                        p = {"ticket": own[-1].id, "code": "quality_review"}
                self.v_del[vi] = True
                tt = self.E(t, e.actor, "review.delete", {"type": "review", "id": self.v_id[vi]}, purpose=p,
                            attrs=self.attrs(e, d, {"reason": r.choice(["spam", "spam", "off_topic", "abuse"])}))
                self.mark(ins, tt, "review_delete", c, s)
                if r.random() < 0.15:
                    self.mark(ins, self.view(e, t - r.randrange(MIN, 5 * MIN), c, ["name", "email", "reviews"], p, d), "view", c, s)
        elif part in ("banned_seller_revival", "revive"):
            for s in ins["targets"]:
                st = self.s_ban.get(s)
                if self.s_state[s] not in ("banned", "suspended") or not st or st[1] > t1 or st[0] not in ("fraud", "review_manipulation"):
                    continue
                if r.random() > (0.5 if subtle else 0.9):
                    continue
                t = max(st[1] + r.randrange(40 * MIN, 3 * H), t0 + r.randrange(20 * MIN, span))
                if t > t1 + 2 * H:
                    continue
                appeal = None
                p = None
                if r.random() < self.cover:
                    # cite an appeal ticket: the seller files one just before (rubber-stamped) or an old one
                    if r.random() < 0.6:
                        tk = self.new_ticket("appeal", ("seller", s), t - r.randrange(10 * MIN, 2 * H), sel=s)
                        self.assign(e, tk, t - r.randrange(MIN, 8 * MIN), d)
                        appeal = tk.id
                        self.close(e, tk, t + 2 * MIN, "appeal_granted", d)
                    else:
                        old = [x for x in self.recent_appeals[-200:] if x.sel != s]
                        if old:
                            appeal = old[r.randrange(len(old))].id
                    if appeal:
                        p = {"ticket": appeal, "code": "fraud_investigation"}
                self.reactivate(e, "seller", s, t, d, appeal, p)
                self.mark(ins, t, "reactivate", None, s)
                lo, hi = (d + 3, d + 9) if subtle else (d + 1, d + 4)
                if lo < ins["end_day"] and r.random() < (0.5 if subtle else 0.8):
                    # the system catches the seller again; the insider will revive it again
                    self.la_plan[r.randrange(lo, min(hi, ins["end_day"]))].append(("broker_ban", (s, ins)))
            # blatant: the broker's other clients, recently banned for fraud / review manipulation
            if not subtle and r.random() < 0.35 * I:
                cand = [(s, bt) for s, bt in self.recent_seller_bans[-60:]
                        if self.s_state[s] == "banned" and s not in ins["targets"] and bt < t1 - H and bt > t0 - 5 * DAY
                        and self.s_ban[s][0] in ("fraud", "review_manipulation")]
                if cand:
                    s, bt = cand[r.randrange(len(cand))]
                    t = max(bt + H, t0 + r.randrange(20 * MIN, span))
                    self.reactivate(e, "seller", s, t, d, None, None)
                    self.mark(ins, t, "reactivate_other_client", None, s)
            # also revive banned fake-reviewer accounts used by the broker's sellers
            if not subtle and r.random() < 0.3 * I:
                bc = [c for c in self.broker_bots.get(ins["broker"], []) if self.c_state.get(c) == "banned"]
                for c in bc[:r.randrange(1, 4)]:
                    t = t0 + r.randrange(30 * MIN, span)
                    self.reactivate(e, "customer", c, t, d, None, None)
                    self.mark(ins, t, "reactivate_customer", None, ins["targets"][0])
        elif part == "exit_data_grab":
            if subtle:
                n = self.poisson(6 * I)
                for _ in range(n):
                    t = at()
                    if r.random() < 0.5:
                        pool = self.victims(ins, t, 0.3)
                        if pool:
                            vi = pool[r.randrange(len(pool))]
                            c, s = self.v_cust[vi], self.v_sel[vi]
                        else:
                            continue
                    else:
                        # high-value customers: many orders
                        c = self.customers[self.pick_weighted(self.c_cum)]
                        s = None
                    if c in ins["done"]:
                        continue
                    ins["done"].add(c)
                    p = self.cover_purpose(e, ins, c, t)
                    self.mark(ins, self.view(e, t, c, ["name", "email", "phone", "address", "orders"], p, d), "view", c, s)
                if r.random() < 0.2 * I:
                    t = at()
                    q = "city:%s orders>5" % r.choice(CITIES)
                    cs = sorted(set(self.customers[self.pick_weighted(self.c_cum)] for _ in range(r.randrange(25, 60))))
                    self.mark(ins, self.search(e, t, q, cs, d), "search", cs)
            else:
                for _ in range(self.poisson(2.5 * I)):
                    t = at()
                    u = r.random()
                    if u < 0.5:
                        pool = self.victims(ins, t, 0.0)
                        cs = sorted(set(self.v_cust[vi] for vi in pool))[:r.randrange(80, 400)]
                        q = "seller:%s reviews" % ins["targets"][0]
                        s = ins["targets"][0]
                    else:
                        q = "city:%s" % r.choice(CITIES)
                        k = r.randrange(80, 350)
                        # broad population query: decoys are part of the population
                        pop = self.population
                        cs = sorted(set(pop[r.randrange(len(pop))] for _ in range(k)))
                        s = None
                    if not cs:
                        continue
                    self.mark(ins, self.search(e, t, q, cs, d), "bulk_search", cs, s)
                    if r.random() < 0.6:
                        self.mark(ins, self.export(e, t + r.randrange(MIN, 6 * MIN), cs, "csv", d), "export", cs, s)

    def broker_ban(self, d, s, ins):
        r = self.r
        base = START_MS + d * DAY
        if self.s_state[s] == "active":
            t = base + r.randrange(DAY // 2)
            self.ban_seller(s, t, r.choice(["review_manipulation", "fraud"]), appeal_p=0.0)
            # the seller's fake reviewer accounts get banned too
            bots = [self.fresh_customer() for _ in range(r.randrange(2, 6))]
            for c in bots:
                self.ban_customer_quiet(c, t + r.randrange(MIN, 20 * MIN))
            self.broker_bots[ins["broker"]] += bots

    # ------------------------------------------------------------ main loop
    def run(self):
        a, r = self.a, self.r
        self.build_world()
        self.build_staff()
        self.team_of = {e.id: e.team for e in self.emps}
        self.plan_lookalikes()
        self.recent_closed = []
        self.recent_mod = []
        self.recent_appeals = []
        self.restore_later = []
        self.broker_bots = defaultdict(list)
        self.plan_insiders()
        E = self.E
        # roster at the start of the stream
        t = START_MS - WARM * DAY
        for e in self.emps:
            E(t + r.randrange(0, 2000), sys_actor("hris"), "employee.hire", {"type": "employee", "id": e.id},
              attrs={"role": e.role, "team": e.team, "site": e.site})
        # honeytokens seeded as reviewers of at-risk sellers
        self.decoy_plan = defaultdict(list)
        for i, c in enumerate(self.decoys):
            E(t + 5 * MIN + i * 1000, sys_actor("custos-decoy"), "honeytoken.plant", {"type": "customer", "id": c})
            for _ in range(r.choice([1, 2, 2, 3])):
                self.decoy_plan[-r.randrange(14, WARM)].append((c, self.at_risk[r.randrange(len(self.at_risk))]))
        for d in range(-WARM, 0):
            self.orders_reviews_day(d, True)
            self.out.flush(d - 3)
        hi = 0
        t_start = _time.time()
        for d in range(self.days):
            base = START_MS + d * DAY
            # HR
            while hi < len(self.hire_plan) and self.hire_plan[hi][0] == d:
                role = self.hire_plan[hi][1]
                e = self.make_emp(role, d)
                self.emps.append(e)
                self.by_role[role].append(e)
                self.team_of[e.id] = e.team
                mates = [m for m in self.by_role[role] if m.team == e.team and m.hire_day == 0 and m.ins is None]
                e.mentor = mates[r.randrange(len(mates))] if mates else None
                E(base + 6 * H + r.randrange(H), sys_actor("hris"), "employee.hire", {"type": "employee", "id": e.id},
                  attrs={"role": e.role, "team": e.team, "site": e.site})
                hi += 1
            for cd, e in [x for x in self.changes if x[0] == d]:
                if e.ins is not None or d >= e.leave_day:
                    continue
                nr = r.choice(["seller-success", "trust-analyst", "support-lead", "qa-auditor"])
                self.by_role[e.role].remove(e)
                share, sites, stem, tool, rota, shifts = ROLES[nr]
                e.role, e.tool = nr, tool
                e.team = "%s-%s-1" % (stem, e.site.lower()) if stem in ("care", "trust", "partner-ops") else stem
                e.rota_off = e.rota_off if rota else None
                e.actor = {"type": "employee", "id": e.id, "role": e.role, "team": e.team, "site": e.site}
                self.team_of[e.id] = e.team
                self.by_role[nr].append(e)
                E(base + 5 * H + r.randrange(H), sys_actor("hris"), "employee.change", {"type": "employee", "id": e.id},
                  attrs={"role": e.role, "team": e.team, "site": e.site})
            # marketplace
            self.market_day(d)
            for q, tk in sorted(self.future_q.pop(d, []), key=lambda x: x[1].open_t):
                self.queues[q].append(tk)
                if tk.kind == "appeal":
                    self.recent_appeals.append(tk)
            # broker bans (insider setup) and look-alike happenings
            for kind, x in [y for y in self.la_plan.get(d, []) if y[0] == "broker_ban"]:
                self.broker_ban(d, x[0], x[1])
            self.la_plan[d] = [y for y in self.la_plan.get(d, []) if y[0] != "broker_ban"]
            self.run_lookalikes(d)
            # staff
            active = [e for e in self.emps if self.works(e, d)]
            wins = {e.id: self.shift_window(e, d) for e in active}
            active.sort(key=lambda e: (wins[e.id][0], e.id))
            self.cover_pending(d, active)
            for e in active:
                t0, t1 = wins[e.id]
                self.login(e, t0, d)
                t = t0 + r.randrange(2 * MIN, 10 * MIN)
                role = e.role
                if role == "support-agent":
                    self.support_day(e, d, t, t1)
                elif role == "support-lead":
                    self.lead_day(e, d, t, t1)
                elif role == "seller-success":
                    self.seller_success_day(e, d, t, t1)
                elif role == "moderator":
                    self.mod_day(e, d, t, t1)
                elif role == "trust-analyst":
                    self.trust_day(e, d, t, t1)
                elif role == "finance-ops":
                    self.fin_day(e, d, t, t1)
                elif role == "qa-auditor":
                    self.qa_day(e, d, t, t1)
                elif role == "privacy-officer":
                    self.privacy_day(e, d, t, t1)
                elif role == "sre":
                    self.sre_day(e, d, t, t1)
                if e.ins is not None:
                    self.insider_day(e, d, t0, t1)
            mods = [e for e in active if e.role == "moderator"]
            self.restore_day(d, [m for m in mods if m.ins is None])
            # remember moderators' handled tickets for cover citations
            self.recent_mod = [tk for tk in self.recent_mod[-2000:]]
            for q in ("mod",):
                pass
            # leavers
            for e in self.emps:
                if e.leave_day == d + 1 and e.leave_reason:
                    E(base + 17 * H + r.randrange(H), sys_actor("hris"), "employee.leave", {"type": "employee", "id": e.id},
                      attrs={"reason": e.leave_reason})
            # trim memory of recent lists
            if len(self.recent_closed) > 20000:
                self.recent_closed = self.recent_closed[-8000:]
            if len(self.recent_appeals) > 2000:
                self.recent_appeals = self.recent_appeals[-500:]
            # stale queue items: helpdesk auto-closes very old tickets
            for qn, dq in self.queues.items():
                while dq and dq[0].open_t < base - 6 * DAY:
                    tk = dq.popleft()
                    self.close(None, tk, base + r.randrange(DAY), "auto_closed_stale", d)
            self.out.flush(d - 3)
            if a.verbose:
                print("day %d events %d %.1fs" % (d, self.out.n, _time.time() - t_start), file=sys.stderr)
        self.out.close()
        self.write_truth()

    def write_truth(self):
        a = self.a
        ins_out = []
        for ins in self.insiders:
            if ins["first"] is None:
                continue
            ins_out.append({"employee": ins["emp"].id, "scenario": ins["scenario"], "start": fmt_ms(ins["first"]),
                            "end": fmt_ms(ins["last"]), "sellers": ins["sellers"], "customers": ins["customers"]})
        truth = {"seed": a.seed, "start": fmt_ms(START_MS), "end": fmt_ms(START_MS + self.days * DAY),
                 "employees": len(self.emps), "insiders": ins_out, "honeytokens": self.decoys}
        with open(os.path.join(a.out, "truth.json"), "w") as f:
            json.dump(truth, f, indent=1)
        roles = defaultdict(int)
        for e in self.emps:
            roles[e.role] += 1
        stats = {
            "generator": "market3", "seed": a.seed,
            "params": {"employees": a.employees, "customers": a.customers, "sellers": a.sellers, "days": a.days,
                       "intensity": a.intensity, "cover": a.cover},
            "events": self.out.n, "events_by_action": dict(sorted(self.out.by_action.items())),
            "clamped_times": self.out.clamped, "dropped_after_end": self.out.dropped,
            "roster": {"total": len(self.emps), "by_role": dict(sorted(roles.items())),
                       "hired_later": len(self.hire_plan),
                       "leavers": sorted([[e.id, e.leave_reason, e.leave_day] for e in self.emps if e.leave_reason])},
            "key_sellers": self.key_sellers, "at_risk_sellers": self.at_risk, "brokers": self.brokers,
            "honeytokens": self.decoys,
            "insiders": [{"employee": i["emp"].id, "role": i["emp"].role, "team": i["emp"].team, "scenario": i["scenario"],
                          "style": i["style"], "ring": i["ring"], "ring_part": i["part"], "broker": i["broker"],
                          "target_sellers": i["targets"], "client_seller": i.get("client"),
                          "window_days": [i["start_day"], i["end_day"]], "acts": dict(i["acts"]),
                          "distinct_customers": len(i["customers"]), "honeytokens_touched": i["honeytokens"],
                          "first": fmt_ms(i["first"]) if i["first"] else None, "last": fmt_ms(i["last"]) if i["last"] else None,
                          "in_truth": i["first"] is not None}
                         for i in self.insiders],
            "lookalikes": {k: v for k, v in sorted(self.lookalikes.items())},
            "honest_sloppiness": dict(self.sloppy),
        }
        with open(os.path.join(a.out, "stats.json"), "w") as f:
            json.dump(stats, f, indent=1)


def _accum(w):
    s = 0.0
    for x in w:
        s += x
        yield s


def main():
    ap = argparse.ArgumentParser(description="market3: independent marketplace generator for Custos")
    ap.add_argument("--employees", type=int, default=1000)
    ap.add_argument("--customers", type=int, default=60000)
    ap.add_argument("--sellers", type=int, default=1500)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--intensity", type=float, default=1.0)
    ap.add_argument("--cover", type=float, default=0.5)
    ap.add_argument("--out", required=True)
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args()
    if a.days < 3 or a.employees < 30 or a.sellers < 60 or a.customers < 500:
        ap.error("need at least 3 days, 30 employees, 60 sellers, 500 customers")
    t = _time.time()
    Sim(a).run()
    print("market3: wrote %s in %.1fs" % (a.out, _time.time() - t), file=sys.stderr)


if __name__ == "__main__":
    main()
