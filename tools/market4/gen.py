#!/usr/bin/env python3
"""market4 -- an independent synthetic event stream for Custos.

Simulates the back office of a mid-sized marketplace (support in-house and
at an outsourced vendor, moderation, trust & safety, appeals, seller
operations, payments, data, privacy/legal, SRE, team leads) over a window
of days, together with the marketplace facts that give employee actions
their meaning (orders, reviews, tickets, bans) and HR facts (hires,
reorgs, transfers, leavers).  Honest look-alikes and insiders are planted
on top.  Standard library only; the output is a pure function of the
arguments.  See README.md next to this file.
"""
import argparse
import heapq
import json
import math
import os
import random
import sys
import time as wallclock
from collections import Counter, defaultdict, deque
from datetime import date, timedelta

SEC = 1000
MIN = 60 * SEC
HOUR = 60 * MIN
DAY = 24 * HOUR
START = date(2026, 2, 16)          # day 0 of the window (a Monday), UTC
MAX_BATCH = 2000                   # ids per bulk event (keeps entries < 64 KiB)

# site: (standard UTC offset in minutes, DST rule, internal IP prefix)
SITES = {
    "LIS": (0, "eu", "10.31"),      # Lisbon HQ: T&S, appeals, seller ops, privacy
    "WAW": (60, "eu", "10.44"),     # Warsaw: EU support, moderation
    "MNL": (480, None, "172.20"),   # Manila: Lumen BPO (outsourced vendor)
    "PHX": (-420, None, "10.52"),   # Phoenix (no DST): US support, payments, SRE
    "BLR": (330, None, "10.67"),    # Bengaluru: data, SRE
}

# role key -> (role string, routing group, tool)
ROLES = {
    "agent": ("support-agent", "cs", "zephyr-desk"),
    "senior": ("support-senior", "cs2", "zephyr-desk"),
    "mod": ("content-moderator", "mod", "modq"),
    "tns": ("trust-safety-analyst", "ts", "tns-workbench"),
    "appeals": ("appeals-analyst", "appeals", "tns-workbench"),
    "sellerops": ("seller-ops", "sellerops", "seller-hub-admin"),
    "payops": ("payments-analyst", "fin", "finops-console"),
    "analyst": ("data-analyst", "data", "sqlgate"),
    "privacy": ("privacy-counsel", "privacy", "privacy-portal"),
    "sre": ("sre", "sre", "prod-shell"),
    "lead": ("team-lead", "lead", "qa-scorecard"),
}

# head-count plan: (role key, site, vendor?, share of staff)
PLAN = [
    ("agent", "WAW", False, 0.15), ("agent", "PHX", False, 0.10), ("agent", "MNL", True, 0.24),
    ("senior", "WAW", False, 0.035), ("senior", "PHX", False, 0.025),
    ("mod", "WAW", False, 0.02), ("mod", "MNL", True, 0.035),
    ("tns", "LIS", False, 0.05), ("appeals", "LIS", False, 0.02),
    ("sellerops", "LIS", False, 0.05), ("payops", "PHX", False, 0.03),
    ("analyst", "BLR", False, 0.025), ("analyst", "LIS", False, 0.015),
    ("privacy", "LIS", False, 0.015), ("sre", "BLR", False, 0.06), ("sre", "PHX", False, 0.04),
    ("lead", "WAW", False, 0.012), ("lead", "PHX", False, 0.008),
    ("lead", "MNL", True, 0.015), ("lead", "LIS", False, 0.007),
]

# UTC-hour weights of customer activity (EU evening + US evening peaks)
DIURNAL = [6, 5, 5, 4, 2.5, 1.5, 1.5, 2, 3, 4, 5, 5, 6, 6, 6, 6.5, 7, 8, 9, 9.5, 9, 8, 7.5, 6.5]

ORDER_TOPICS = [("late_delivery", 30), ("refund", 25), ("damaged", 12), ("wrong_item", 12),
                ("cancel", 10), ("payment_failed", 5), ("other", 6)]
ACCOUNT_TOPICS = [("password", 30), ("email_change", 20), ("locked", 0), ("close_account", 8),
                  ("address_update", 20), ("data_request", 5), ("other", 10)]
TOPIC_FIELDS = {
    "late_delivery": ["name", "address", "orders"], "refund": ["name", "email", "orders", "payment"],
    "damaged": ["name", "orders"], "wrong_item": ["name", "address", "orders"],
    "cancel": ["name", "orders"], "payment_failed": ["name", "payment", "orders"],
    "other": ["name", "email", "orders"], "password": ["name", "email", "account"],
    "email_change": ["name", "email", "phone", "account"], "locked": ["name", "email", "phone", "account"],
    "close_account": ["name", "email", "account", "orders"],
    "address_update": ["name", "address", "account"],
}
RESOLUTIONS = {
    "late_delivery": ["tracking_shared", "reshipped", "refund_issued"],
    "refund": ["refund_issued", "refund_denied", "partial_refund"],
    "damaged": ["replacement", "refund_issued"], "wrong_item": ["replacement", "return_label_sent"],
    "cancel": ["cancelled", "already_shipped"], "payment_failed": ["payment_retried", "info_provided"],
}
CITIES = ["lyon", "porto", "krakow", "austin", "denver", "gdansk", "seville", "leeds", "graz",
          "tucson", "malaga", "brno", "nantes", "cork", "boise", "turin", "ghent", "aarhus"]
ALL_FIELDS = ["name", "email", "phone", "address", "payment", "orders", "reviews", "account"]


class Emp:
    """An employee: identity, org position over time, shift profile, state."""
    __slots__ = ("idx", "id", "key", "role", "group", "team", "site", "vendor", "tool",
                 "start_min", "len_min", "pattern", "phase", "speed", "hire_day", "leave_day",
                 "leave_reason", "leave_t", "notice_day", "changes", "actor", "session",
                 "recent", "shifts", "off", "portfolio", "ins", "device", "host", "handover",
                 "first_team", "first_key", "first_site", "pos_cache")

    def __init__(self, idx, eid, key, site, vendor):
        self.idx, self.id, self.key, self.site, self.vendor = idx, eid, key, site, vendor
        self.role, self.group, self.tool = ROLES[key]
        self.team = ""
        self.speed = 1
        self.hire_day = None      # None: employed before the window
        self.leave_day = None
        self.leave_reason = None
        self.leave_t = None
        self.notice_day = None
        self.changes = []         # [(day, key, team, site)]
        self.actor = None
        self.session = ""
        self.recent = deque(maxlen=25)   # tickets recently assigned
        self.shifts = deque(maxlen=4)    # (start, end) of recent shift instances
        self.off = set()
        self.portfolio = []
        self.ins = None
        self.handover = None
        self.pos_cache = None

    def position(self, day):
        """(key, team, site) in force on local day `day`."""
        key, team, site = self.first_key, self.first_team, self.first_site
        for (d, k, t, s) in self.changes:
            if d <= day:
                key, team, site = k, t, s
        return key, team, site


class Tk:
    """A ticket."""
    __slots__ = ("n", "id", "kind", "opened", "cust", "seller", "order", "review", "topic",
                 "group", "closed", "assignee", "direct", "handler", "extra", "by")


class Insider:
    """A planted insider and what it actually did (filled during simulation)."""

    def __init__(self, emp, scenario, behaviors, sellers, subtle, rate, start_day, end_day, ring=None):
        self.emp, self.scenario, self.behaviors = emp, scenario, behaviors
        self.sellers, self.subtle, self.rate = sellers, subtle, rate
        self.start_day, self.end_day, self.ring = start_day, end_day, ring
        self.first = self.last = None
        self.custs = set()
        self.n_mal = 0
        self.done = set()
        self.todo = []           # [(due time, what, seller)]
        self.acts = Counter()
        self.snoop_set = []
        self.honey_hits = set()


class Gen:
    def __init__(self, a):
        self.a = a
        self.R = random.Random(a.seed * 1_000_003 + 17)
        self.days = a.days
        self.END = a.days * DAY
        self.floor = 0
        self.buckets = defaultdict(list)
        self.seq = 0
        self.nout = 0
        self.counts = Counter()
        self.base_ms = (START - date(1970, 1, 1)).days * DAY
        self.daystr = {}
        self.heap = []                      # pending tickets: (t, n, tk)
        self.onshift = defaultdict(lambda: defaultdict(list))  # abs hour -> group -> [emp]
        self.today_shift = {}
        self.qa_pool = defaultdict(lambda: deque(maxlen=3000))  # site -> closed tickets
        self.flagged = []                   # heap of (time, review idx) for moderation
        self.apv = 0
        self.batch_n = 0
        self.lookalikes = []
        self.dropped_insiders = []

    # ------------------------------------------------------------ time helpers
    def ts(self, t):
        """RFC 3339 UTC with milliseconds for a window-relative ms time."""
        d, r = divmod(t, DAY)
        s = self.daystr.get(d)
        if s is None:
            s = self.daystr[d] = (START + timedelta(days=d)).isoformat()
        h, r = divmod(r, HOUR)
        m, r = divmod(r, MIN)
        sec, ms = divmod(r, SEC)
        return f"{s}T{h:02d}:{m:02d}:{sec:02d}.{ms:03d}Z"

    def offset(self, site, local_day):
        """UTC offset (minutes) of a site on a local date (EU DST switches on dates)."""
        std, rule, _ = SITES[site]
        if rule != "eu":
            return std
        dt = START + timedelta(days=local_day)
        y = dt.year
        mar = date(y, 3, 31)
        dst_on = mar - timedelta(days=(mar.weekday() + 1) % 7)
        octo = date(y, 10, 31)
        dst_off = octo - timedelta(days=(octo.weekday() + 1) % 7)
        return std + 60 if dst_on <= dt < dst_off else std

    def rand_time(self, d):
        """A random customer-activity time in UTC day d."""
        h = self.R.choices(range(24), cum_weights=self.diurnal_cum)[0]
        return d * DAY + h * HOUR + self.R.randrange(HOUR)

    def weekday(self, d):
        return d % 7      # day 0 is a Monday

    # ------------------------------------------------------------ output
    def emit(self, t, src, ev):
        """Queue an event (dict without id/time) at window time t (ms)."""
        if t >= self.END:
            return False
        if t < self.floor:
            raise AssertionError(f"event before flushed day: {t} < {self.floor} {ev}")
        self.seq += 1
        self.buckets[t // DAY].append((t, self.seq, src, ev))
        return True

    def flush(self, d, out):
        """Write day d's events sorted by time with ids assigned in file order."""
        evs = self.buckets.pop(d, [])
        evs.sort(key=lambda x: (x[0], x[1]))
        dumps = json.dumps
        lines = []
        for (t, _, src, ev) in evs:
            self.nout += 1
            line = {"id": f"{src}.{self.nout:09d}", "time": self.ts(t)}
            line.update(ev)
            self.counts[ev["action"]] += 1
            lines.append(dumps(line, separators=(",", ":")))
        if lines:
            out.write("\n".join(lines))
            out.write("\n")

    def act(self, t, e, action, ttype=None, tid=None, fields=None, purpose=None, attrs=None,
            targets=None, outcome=None, tool=None):
        """An employee action; returns False if it falls after the window or the leave."""
        t += self.R.randrange(1000)          # sub-second noise of real clocks
        if e.leave_t is not None and t > e.leave_t:
            return False
        ev = {"actor": e.actor, "action": action}
        if ttype:
            ev["target"] = {"type": ttype, "id": tid}
        if targets is not None:
            ev["targets"] = targets
        if fields:
            ev["fields"] = list(fields)
        if purpose:
            ev["purpose"] = purpose
        if outcome:
            ev["outcome"] = outcome
        at = {"tool": tool or e.tool, "session": e.session}
        if attrs:
            at.update(attrs)
        ev["attrs"] = at
        return self.emit(t, "bo", ev)

    def sys_ev(self, t, sysid, action, ttype, tid, attrs=None, src="mp"):
        ev = {"actor": {"type": "system", "id": sysid}, "action": action,
              "target": {"type": ttype, "id": tid}}
        if attrs:
            ev["attrs"] = attrs
        return self.emit(t, src, ev)

    # ------------------------------------------------------------ world setup
    def build_world(self):
        """Customers, sellers, products, demand weights."""
        R, a = self.R, self.a
        C, S = a.customers, a.sellers
        self.C, self.S = C, S
        self.diurnal_cum = []
        acc = 0
        for w in DIURNAL:
            acc += w
            self.diurnal_cum.append(acc)
        # customer ids: 7-digit member numbers, with room for accounts created later
        extra = max(5000, C // 3)
        pool = R.sample(range(1_000_000, 9_999_999), C + extra)
        self.cust_id = [f"mbr_{x}" for x in pool[:C]]
        self.spare_ids = [f"mbr_{x}" for x in pool[C:]]
        self.spare_ids.reverse()
        self.cust_w = [R.lognormvariate(0, 1.1) for _ in range(C)]
        self.cust_cum = []
        acc = 0.0
        for w in self.cust_w:
            acc += w
            self.cust_cum.append(acc)
        self.base_idx = range(C)
        # VIP segment: top spenders (what a departing employee would grab)
        order = sorted(range(C), key=lambda i: -self.cust_w[i])
        self.vip = order            # by value: what a departing employee grabs first
        # sellers: index = popularity rank (0 most popular), ids are random
        width = 5 if S < 80000 else 7
        lo = 10 ** (width - 1)
        self.sel_id = [f"shop_{x}" for x in R.sample(range(lo, 10 * lo), S)]
        self.sel_w = [1.0 / (r + 1) ** 1.05 for r in range(S)]
        self.sel_cum = []
        acc = 0.0
        for w in self.sel_w:
            acc += w
            self.sel_cum.append(acc)
        self.sel_q = [0.74 + 0.24 * R.random() for _ in range(S)]
        pid = R.randrange(2_000_000, 3_000_000)
        self.products = []
        for r in range(S):
            n = 2 + int(40 / (1 + r / 25.0)) + R.randrange(3)
            self.products.append([f"sku_{pid + k}" for k in range(n)])
            pid += n + R.randrange(1, 5)
        self.banned = [None] * S            # (reason, time) when banned
        self.special = set()                 # sellers with a planted story
        # marketplace state
        self.o_cust, self.o_sel, self.o_time = [], [], []
        self.order0 = R.randrange(40_000_000, 50_000_000)
        self.day_first_order = {}
        self.r_cust, self.r_sel, self.r_rating, self.r_time, self.r_kind = [], [], [], [], []
        self.r_deleted = []                  # 0 no, 1 honest delete, 2 malicious delete
        self.review0 = R.randrange(300_000, 900_000)
        self.sel_reviews = [[] for _ in range(S)]
        self.sel_neg = [[] for _ in range(S)]
        self.sel_orders = [[] for _ in range(S)]
        self.reviews_due = defaultdict(list)
        self.tickets = []
        self.ticket0 = R.randrange(700_000, 800_000)
        self.cust_locked = {}
        self.honey = set()

    def new_customer(self):
        """A customer account that appears during the window (sock, spam, brigade, decoy)."""
        cid = self.spare_ids.pop()
        self.cust_id.append(cid)
        self.cust_w.append(0.0)
        return len(self.cust_id) - 1

    def cid(self, c):
        return self.cust_id[c]

    def oid(self, o):
        return f"po_{self.order0 + o}"

    def rid(self, r):
        return f"rvw_{self.review0 + r}"

    # ------------------------------------------------------------ organisation
    def build_org(self):
        """Staff, teams, shift profiles, HR timeline (hires, leavers, changes)."""
        R, a, days = self.R, self.a, self.days
        E = a.employees
        self.sale = None
        if days >= 28:
            s0 = int(days * 0.58)
            self.sale = (s0, min(days - 1, s0 + 6))
        n_hire = max(1, round(0.03 * E))
        n_temp = round(0.04 * E) if self.sale and self.sale[0] > 12 else 0
        initial = E - n_hire - n_temp
        tot = sum(p[3] for p in PLAN)
        raw = [initial * p[3] / tot for p in PLAN]
        cnt = [max(1, int(x)) for x in raw]
        rem = sorted(range(len(PLAN)), key=lambda i: -(raw[i] - int(raw[i])))
        i = 0
        while sum(cnt) < initial:
            cnt[rem[i % len(rem)]] += 1
            i += 1
        while sum(cnt) > initial:
            j = max(range(len(cnt)), key=lambda k: cnt[k])
            cnt[j] -= 1
        inhouse_ids = iter(R.sample(range(10000, 99999), E + 50))
        vendor_ids = iter(R.sample(range(1000, 9999), E + 50))
        self.emps = []

        def mk(key, site, vendor):
            eid = f"ext_lmn_{next(vendor_ids)}" if vendor else f"u{next(inhouse_ids)}"
            e = Emp(len(self.emps), eid, key, site, vendor)
            self.shift_profile(e)
            e.speed = 1
            self.emps.append(e)
            return e

        for (key, site, vendor, _), n in zip(PLAN, cnt):
            for _ in range(n):
                mk(key, site, vendor)
        for e in self.emps:
            if e.key in ("agent", "senior") and R.random() < 0.05:
                e.speed = R.choice((2, 3))          # heavy users: fast agents
        # in-house hires and vendor temps for the sale
        for _ in range(n_hire):
            key, site = R.choice([("agent", "WAW"), ("agent", "PHX"), ("mod", "WAW"),
                                  ("tns", "LIS"), ("sellerops", "LIS"), ("agent", "MNL")])
            e = mk(key, site, site == "MNL")
            e.hire_day = R.randrange(3, max(4, days - 10))
        for _ in range(n_temp):
            e = mk("agent", "MNL", True)
            e.hire_day = max(1, self.sale[0] - 9)
            e.leave_day = min(days - 1, self.sale[1] + 6)
            e.leave_reason = "terminated"
            e.handover = "temp"
        self.assign_teams()
        # leavers among the initial staff
        initial_staff = [e for e in self.emps if e.hire_day is None]
        for e in initial_staff:
            r = R.random()
            if e.vendor and e.key in ("agent", "mod") and r < 0.09:
                e.leave_day = R.randrange(8, days)
                e.leave_reason = "resigned" if R.random() < 0.55 else "terminated"
            elif not e.vendor and r < 0.03:
                e.leave_day = R.randrange(10, days)
                e.leave_reason = "resigned"
            elif not e.vendor and r < 0.04:
                e.leave_day = R.randrange(10, days)
                e.leave_reason = "transferred"
        for e in self.emps:
            if e.leave_reason == "resigned" and not e.vendor:
                e.notice_day = max(0, e.leave_day - R.randrange(14, 29))
        # honest leavers doing legitimate handover work in their last days
        for key in ("senior", "analyst"):
            cands = [e for e in initial_staff if e.key == key and e.leave_day is None]
            if cands and days >= 21:
                e = R.choice(cands)
                e.leave_day = R.randrange(int(days * 0.5), days - 2)
                e.leave_reason = "resigned"
                e.notice_day = max(0, e.leave_day - 21)
                e.handover = "handover"
        for e in self.emps:
            e.first_key, e.first_team, e.first_site = e.key, e.team, e.site
            e.device = f"vdi-lmn-{R.randrange(1, 400):03d}" if e.vendor else f"lt-{e.id[1:]}"
            e.host = f"{SITES[e.site][2]}.{R.randrange(1, 250)}.{R.randrange(2, 250)}"
        # transfers and promotions (same site), relocations
        for e in initial_staff:
            if e.leave_day is not None or e.vendor or e.handover:
                continue
            r = R.random()
            d = R.randrange(5, max(6, days - 5))
            if e.key == "agent" and r < 0.03:
                e.changes.append((d, "senior", f"care-{e.site.lower()}-t2", e.site))
            elif e.key == "agent" and e.site == "WAW" and r < 0.045:
                e.changes.append((d, "mod", "modq-waw", "WAW"))
            elif e.key == "tns" and r < 0.06:
                e.changes.append((d, "appeals", "tns-appeals", "LIS"))
            elif e.key == "agent" and e.site == "WAW" and r < 0.052:
                e.changes.append((d, "agent", "care-remote", "LIS"))
        # reorg: EU/US care teams renamed, T&S split by domain (for whoever holds those jobs then)
        self.reorg = int(days * 0.46) if days >= 20 else None
        if self.reorg is not None:
            rd = self.reorg
            for e in self.emps:
                if e.hire_day is not None and e.hire_day >= rd:
                    continue
                if e.leave_day is not None and e.leave_day < rd:
                    continue
                key, team, site = e.position(rd)
                if key == "agent" and site in ("WAW", "PHX") and team.startswith("care-") and team[-1].isdigit():
                    n = int(team.rsplit("-", 1)[1])
                    e.changes.append((rd, "agent", f"care-{'eu' if site == 'WAW' else 'us'}-{(n + 1) // 2}", site))
                elif key == "tns":
                    e.changes.append((rd, "tns", R.choice(["tns-sellers", "tns-buyers"]), "LIS"))
                e.changes.sort(key=lambda x: x[0])
        # KAM portfolios: top sellers split among the account-management half of seller ops
        kams = [e for e in self.emps if e.key == "sellerops" and e.team == "sellerops-kam"]
        self.kam_of = {}
        if kams:
            top = list(range(min(self.S, 12 * len(kams))))
            for i, s in enumerate(top):
                k = kams[i % len(kams)]
                k.portfolio.append(s)
                self.kam_of[s] = k

    def shift_profile(self, e):
        """Start minute (local), length, working pattern for an employee."""
        R = self.R
        k, site = e.key, e.site
        e.phase = R.randrange(7)
        e.pattern = "wk"
        if e.vendor and k in ("agent", "mod"):
            e.start_min = R.choice((6, 14, 22)) * 60
            e.len_min = 540
            e.pattern = "rot"
        elif k == "agent" and site == "WAW":
            e.start_min = R.choice((7, 8, 9, 11, 13)) * 60
            e.len_min = 510
            e.pattern = R.choices(("wk", "tusa", "suth"), (70, 15, 15))[0]
        elif k == "agent" and site == "PHX":
            e.start_min = R.choice((6, 7, 9, 11, 13)) * 60
            e.len_min = 510
            e.pattern = R.choices(("wk", "tusa", "suth"), (70, 15, 15))[0]
        elif k == "mod":
            e.start_min = R.choice((8, 12, 15)) * 60
            e.len_min = 510
        elif k in ("senior",):
            e.start_min = R.choice((8, 9, 10)) * 60
            e.len_min = 510
        else:
            e.start_min = R.choice((480, 510, 540, 570, 600))
            e.len_min = R.choice((480, 510, 540))

    def assign_teams(self):
        """Team names per site/role (about 15 people per support team)."""
        R = self.R
        by = defaultdict(list)
        for e in self.emps:
            by[(e.key, e.site)].append(e)
        for (k, site), lst in by.items():
            for i, e in enumerate(lst):
                s = site.lower()
                if k == "agent" and e.vendor:
                    sl = {360: "d", 840: "s", 1320: "n"}[e.start_min]
                    e.team = f"lumen-cs-{sl}{i % 3 + 1}"
                elif k == "agent":
                    e.team = f"care-{s}-{i // 15 + 1}"
                elif k == "senior":
                    e.team = f"care-{s}-t2"
                elif k == "mod":
                    e.team = "modq-waw" if site == "WAW" else f"lumen-mod-{ {360: 'd', 840: 's', 1320: 'n'}[e.start_min]}"
                elif k == "tns":
                    e.team = "tns-lis"
                elif k == "appeals":
                    e.team = "tns-appeals"
                elif k == "sellerops":
                    e.team = "sellerops-kam" if i % 5 < 2 else "sellerops-desk"
                elif k == "payops":
                    e.team = "payops-phx"
                elif k == "analyst":
                    e.team = f"insights-{s}"
                elif k == "privacy":
                    e.team = "privacy-legal"
                elif k == "sre":
                    e.team = f"sre-{('payments', 'search', 'core')[i % 3]}-{s}"
                else:
                    e.team = f"cs-leads-{s}"

    def works(self, e, L):
        """Does e have a scheduled shift on local day L (pattern, leave, vacation, sickness)?"""
        if e.hire_day is not None and L <= e.hire_day:
            return False
        if e.leave_day is not None and L > e.leave_day:
            return False
        if L in e.off:
            return False
        wd = L % 7
        p = e.pattern
        if p == "wk":
            ok = wd < 5
        elif p == "tusa":
            ok = 1 <= wd <= 5
        elif p == "suth":
            ok = wd == 6 or wd <= 3
        else:
            ok = (L + e.phase) % 7 < 5
        if not ok and self.sale and self.sale[0] <= L <= self.sale[1] and not e.vendor \
                and e.key in ("agent", "senior", "mod") and (e.idx + L) % 3 == 0:
            ok = True        # sale-week overtime on the weekend
        return ok

    def plan_shifts(self):
        """Precompute every shift instance, keyed by the UTC day it starts."""
        R = self.R
        self.shifts_by_day = defaultdict(list)
        for e in self.emps:
            # vacations and sick days
            if R.random() < (0.3 if e.vendor else 0.5) and self.days > 20:
                v0 = R.randrange(0, self.days - 7)
                for k in range(R.randrange(5, 10)):
                    e.off.add(v0 + k)
            for L in range(-1, self.days + 1):
                if R.random() < 0.02:
                    e.off.add(L)
            last_end = None
            for L in range(-1, self.days + 1):
                if not self.works(e, L):
                    continue
                key, team, site = e.position(L)
                off = self.offset(site, L)
                jitter = R.randrange(-15, 20) * MIN
                st = L * DAY + e.start_min * MIN - off * MIN + jitter
                ln = e.len_min * MIN + R.randrange(-20, 30) * MIN
                if self.sale and self.sale[0] <= L <= self.sale[1] and not e.vendor:
                    ln += 90 * MIN
                if e.leave_day is not None and L <= e.leave_day:
                    last_end = st + ln
                if st < 0 or st >= self.END:
                    continue
                self.shifts_by_day[st // DAY].append((st, st + ln, e, ROLES[key][1]))
            if e.leave_day is not None:
                if last_end is not None and last_end > (e.leave_day - 4) * DAY:
                    e.leave_t = last_end + R.randrange(5, 60) * MIN
                else:
                    key, team, site = e.position(e.leave_day)
                    e.leave_t = e.leave_day * DAY + (17 * 60 - self.offset(site, e.leave_day)) * MIN
                e.leave_t = max(e.leave_t, 1)

    def set_actor(self, e, day):
        key, team, site = e.position(day)
        e.key, e.team, e.site = key, team, site
        e.role, e.group, e.tool = ROLES[key]
        e.actor = {"type": "employee", "id": e.id, "role": e.role, "team": team, "site": site}

    # ------------------------------------------------------------ planned stories
    def plan_stories(self):
        """Look-alike events and marketplace stories, placed at fractions of the window."""
        R, S, days = self.R, self.S, self.days
        self.special.update(range(min(S, 5)))
        mid = list(range(8, max(9, min(S, 220))))
        R.shuffle(mid)
        self.mid_pool = mid
        # review manipulators (buy fake 5-star reviews); T&S investigates most
        n_man = max(2, S * 3 // 100)
        cand = [s for s in range(10, S) if s not in self.special]
        self.manip = R.sample(cand, min(n_man, len(cand)))
        self.special.update(self.manip)
        self.socks = {m: [] for m in self.manip}
        self.fraud_day = {m: R.randrange(max(2, days // 6), max(3, days - 2)) for m in self.manip
                          if R.random() < 0.65}
        self.manip_rate = {m: R.uniform(0.4, 2.5) for m in self.manip}
        # a large seller's warehouse fire -> ticket swarm on its buyers
        self.fire = None
        if days >= 10:
            s = R.randrange(3, min(S, 15))
            self.fire = (int(days * 0.3), s)
            self.lookalikes.append({"kind": "seller_incident_swarm", "seller": self.sel_id[s],
                                    "day": self.fire[0]})
        # review bombing of two sellers by brigade accounts
        self.bombs = {}
        for k in range(2 if days >= 14 else 1):
            s = self.take_mid()
            d = int(days * (0.2 + 0.45 * k)) + 1
            self.bombs[d] = s
            self.lookalikes.append({"kind": "review_bombing_cleanup", "seller": self.sel_id[s], "day": d})
        # false-positive auto-ban wave, undone by a T&S analyst
        self.fp_wave = None
        if days >= 14:
            d = int(days * 0.37)
            n = max(5, min(30, S // 60))
            sellers = [s for s in range(30, S) if s not in self.special]
            sellers = R.sample(sellers, min(n, len(sellers)))
            self.special.update(sellers)
            self.fp_wave = (d, sellers)
            self.lookalikes.append({"kind": "false_positive_ban_wave", "day": d, "sellers": len(sellers)})
        # law-enforcement requests on a counterfeit seller
        self.legal = {}
        for k in range(2 if days >= 30 else 1):
            s = self.take_mid()
            self.legal[int(days * (0.33 + 0.4 * k)) + 2] = s
            self.lookalikes.append({"kind": "legal_export", "seller": self.sel_id[s],
                                    "day": int(days * (0.33 + 0.4 * k)) + 2})
        # incidents handled by on-call SRE with break-glass
        self.incidents = {}
        for frac, kind in ((0.25, "payment_capture"), (0.6, "search_index"), (0.82, "email_misdelivery")):
            d = int(days * frac)
            if 0 < d < days - 1:
                self.incidents[d] = kind
                self.lookalikes.append({"kind": f"incident_{kind}", "day": d})

    def take_mid(self, benef=False):
        """A mid-popularity seller with no other story (beneficiaries: busier ones)."""
        pool = self.mid_pool
        if benef:
            if not hasattr(self, "benef_pool"):
                self.benef_pool = list(range(8, max(20, min(self.S, int(self.S * 0.09)))))
                self.R.shuffle(self.benef_pool)
            pool = self.benef_pool if any(s not in self.special for s in self.benef_pool) else self.mid_pool
        while True:
            s = pool.pop()
            if s not in self.special:
                self.special.add(s)
                return s

    # ------------------------------------------------------------ insiders
    def plan_insiders(self):
        """Pick insiders, their beneficiaries, rates and subtlety."""
        R, a, days = self.R, self.a, self.days
        f = a.employees / 1000.0
        used = set()

        def pick(key, site=None, vendor=None, stay=True, team=None):
            c = [e for e in self.emps if e.first_key == key and e.idx not in used
                 and e.hire_day is None and e.handover is None
                 and (not stay or e.leave_day is None)
                 and (site is None or e.first_site == site)
                 and (vendor is None or e.vendor == vendor)
                 and (team is None or e.first_team == team)
                 and all(k == e.first_key for (_, k, _, _) in e.changes)]
            if not c:
                return None
            e = R.choice(c)
            used.add(e.idx)
            return e

        def nb(base):
            return max(1, round(base * f))

        def window(min_len=21):
            s = R.randrange(2, max(3, int(days * 0.55)))
            if R.random() < 0.35:
                e = min(days - 1, s + R.randrange(min_len, max(min_len + 1, 45)))
            else:
                e = days - 1
            return s, e

        self.insiders = []
        ins_list = []

        def add(emp, scen, beh, sellers, ring=None, win=None):
            if emp is None:
                return None
            s, e = win or window()
            rate = R.choice((1.5, 2, 2, 3, 4, 6))
            i = Insider(emp, scen, beh, sellers, False, rate, s, e, ring)
            emp.ins = i
            ins_list.append(i)
            return i

        # solo data sale: one of them shares its seller with a solo review deleter (convergence)
        shared = None
        for k in range(nb(4)):
            choices = [("agent", "WAW", False), ("agent", "PHX", False), ("agent", "MNL", True), ("senior", None, None)]
            key, site, vendor = choices[k % 4]
            s = self.take_mid(True)
            if k == 0:
                shared = s
            add(pick(key, site, vendor), "data_sale", {"leak"}, [s])
        for k in range(nb(3)):
            s = shared if (k == 0 and shared is not None) else self.take_mid(True)
            beh = {"delete", "peek"} if k == 1 else {"delete"}
            add(pick("mod", vendor=(k % 2 == 1)), "review_deletion", beh, [s])
        for k in range(nb(2)):
            sellers = [self.take_mid(True) for _ in range(R.randrange(2, 4))]
            add(pick("appeals" if k % 2 == 0 else "tns") or pick("tns"), "reactivation", {"reactivate"}, sellers)
        for k in range(nb(2)):
            key = ("senior", "sellerops", "analyst", "agent")[k % 4]
            e = pick(key)
            if e is None:
                continue
            L = R.randrange(max(10, int(days * 0.45)), max(11, days - 2))
            e.leave_day, e.leave_reason, e.notice_day = L, "resigned", max(0, L - R.randrange(18, 25))
            add(e, "departing_exfil", {"exfil"}, [], win=(max(0, L - R.randrange(12, 19)), L))
        for k in range(nb(1)):
            add(pick("agent", "MNL", True) or pick("senior"), "bulk_harvest", {"harvest"}, [])
        for k in range(nb(1)):
            i = add(pick("agent", "PHX") or pick("agent"), "snooping", {"snoop"}, [])
            if i:
                i.snoop_set = R.sample(range(self.C), 6)
        # ring A: four colluders in different teams serving one seller (+ a second shop)
        sa, sa2 = self.take_mid(True), self.take_mid(True)
        win = (R.randrange(2, max(3, days // 4)), days - 1)
        ringA = [("agent", "MNL", True, {"leak"}, [sa]), ("mod", None, None, {"delete"}, [sa]),
                 ("appeals", None, None, {"reactivate"}, [sa, sa2]),
                 ("sellerops", None, None, {"waiver", "leak"}, [sa])]
        for key, site, vendor, beh, sellers in ringA:
            e = pick(key, site, vendor)
            if key == "sellerops" and e is not None:
                e.team = e.first_team = "sellerops-kam"
                old = self.kam_of.get(sa)
                if old is not None and sa in old.portfolio:
                    old.portfolio.remove(sa)
                e.portfolio.append(sa)
                self.kam_of[sa] = e
            add(e, "collusion", beh, sellers, ring="A", win=(win[0] + R.randrange(0, 6), win[1]))
        # ring B: agents of one vendor team sell reviewers/buyers of two sellers; one is a new hire
        sb1, sb2 = self.take_mid(True), self.take_mid(True)
        teams = Counter(e.first_team for e in self.emps if e.vendor and e.first_key == "agent"
                        and e.hire_day is None and e.leave_day is None and e.idx not in used)
        nB = 3 if a.employees >= 300 else 2
        if teams:
            team = teams.most_common(1)[0][0]
            for k in range(nB - 1):
                add(pick("agent", "MNL", True, team=team), "collusion", {"leak"}, [sb1, sb2], ring="B",
                    win=(R.randrange(3, max(4, days // 3)), days - 1))
            # the new hire: joins the same team during the window and starts soon after
            hd = R.randrange(2, max(3, days // 3))
            donor = next((x for x in self.emps if x.team == team), None)
            e = self.add_hire("agent", "MNL", True, team, hd, like=donor)
            add(e, "collusion", {"leak"}, [sb1, sb2], ring="B", win=(min(days - 2, hd + R.randrange(5, 12)), days - 1))
        # subtle vs blatant per --cover; vary rates (some act only a few times a week)
        R.shuffle(ins_list)
        n_sub = round(a.cover * len(ins_list))
        for j, i in enumerate(ins_list):
            i.subtle = j < n_sub
            if i.subtle:
                i.rate = R.choice((1, 1.5, 2, 2, 3))
            i.rate = min(7.0, i.rate * a.intensity)
        self.insiders = sorted(ins_list, key=lambda i: i.emp.idx)
        # beneficiaries with worse quality (more negative reviews) and no other story
        self.benef = set()
        for i in self.insiders:
            for s in i.sellers:
                self.sel_q[s] = 0.55 + 0.12 * R.random()
                self.benef.add(s)
        self.ring_sellers = {"A": [self.sel_id[sa], self.sel_id[sa2]], "B": [self.sel_id[sb1], self.sel_id[sb2]]}
        # bans of reactivation beneficiaries: spread over each reactivator's window
        self.plot_bans = defaultdict(list)   # day -> [(insider, seller)]
        for i in self.insiders:
            if "reactivate" not in i.behaviors:
                continue
            span = max(1, i.end_day - i.start_day - 3)
            k = 0
            n = max(len(i.sellers), round(len(i.sellers) * 1.5 * a.intensity))
            for j in range(n):
                s = i.sellers[j % len(i.sellers)]
                d = i.start_day + int(span * (j + R.random() * 0.6) / n)
                self.plot_bans[min(days - 2, max(0, d))].append((i, s))
                k += 1

    def add_hire(self, key, site, vendor, team, day, like=None):
        """A hire in the window into a given team (a ring member); replaces a planned hire."""
        R = self.R
        used = {e.id for e in self.emps}
        while True:
            eid = f"ext_lmn_{R.randrange(1000, 9999)}" if vendor else f"u{R.randrange(10000, 99999)}"
            if eid not in used:
                break
        e = next((x for x in self.emps if x.hire_day is not None and x.handover is None and x.ins is None
                  and x.leave_day is None), None)
        if e is None:
            e = Emp(len(self.emps), eid, key, site, vendor)
            self.emps.append(e)
        e.id, e.key, e.site, e.vendor = eid, key, site, vendor
        e.role, e.group, e.tool = ROLES[key]
        self.shift_profile(e)
        if like is not None:
            e.start_min, e.len_min, e.pattern = like.start_min, like.len_min, like.pattern
        e.team = team
        e.hire_day = day
        e.changes = []
        e.first_key, e.first_team, e.first_site = key, team, site
        e.device = f"vdi-lmn-{R.randrange(1, 400):03d}" if vendor else f"lt-{eid[1:]}"
        e.host = f"{SITES[site][2]}.{R.randrange(1, 250)}.{R.randrange(2, 250)}"
        return e

    # ------------------------------------------------------------ tickets
    def open_ticket(self, t, actor, kind, group, cust=None, seller=None, order=None, review=None,
                    topic=None, direct=None, handler=None, channel=None, extra=None, delay=None):
        """Emit ticket.open and queue it for handling."""
        tk = Tk()
        tk.n = len(self.tickets)
        tk.id = f"case_{self.ticket0 + tk.n}"
        tk.kind, tk.opened, tk.cust, tk.seller, tk.order, tk.review = kind, t, cust, seller, order, review
        tk.topic, tk.group, tk.closed, tk.assignee = topic, group, None, None
        tk.direct, tk.handler, tk.extra, tk.by = direct, handler, extra, None
        at = {"kind": kind}
        if cust is not None:
            at["customer"] = self.cid(cust)
        if seller is not None:
            at["seller"] = self.sel_id[seller]
        if order is not None:
            at["order"] = self.oid(order)
        if review is not None:
            at["review"] = self.rid(review)
        if topic:
            at["topic"] = topic
        if channel:
            at["channel"] = channel
        if actor == "customer":
            a = {"type": "customer", "id": self.cid(cust)}
        elif actor == "seller":
            a = {"type": "seller", "id": self.sel_id[seller]}
        else:
            a = {"type": "system", "id": actor}
        if not self.emit(t, "hd", {"actor": a, "action": "ticket.open",
                                   "target": {"type": "ticket", "id": tk.id}, "attrs": at}):
            return None
        self.tickets.append(tk)
        if group or direct:
            if delay is None:
                delay = self.queue_delay(group)
            heapq.heappush(self.heap, (t + delay, tk.n, tk))
        return tk

    def queue_delay(self, group):
        """How long a ticket waits in a queue before someone picks it up (ms)."""
        R = self.R
        med = {"cs": 25, "cs2": 120, "sellerops": 180, "mod": 360, "ts": 1200, "appeals": 1800,
               "fin": 600, "privacy": 2400, "data": 1200}.get(group, 60)
        if self.sale and self.sale[0] <= self.floor // DAY <= self.sale[1] and group in ("cs", "cs2"):
            med *= 3
        return int(R.lognormvariate(math.log(med), 0.8) * MIN) + 30 * SEC

    def shift_at(self, e, t):
        """The shift of e that covers the hour of t and leaves time to work, if any."""
        h0 = t - t % HOUR
        for (a, b) in e.shifts:
            if a < h0 + HOUR and t < b - 10 * MIN:
                return (a, b)
        return None

    def on_shift(self, e, t):
        for (a, b) in e.shifts:
            if a <= t < b:
                return True
        return False

    def next_shift_time(self, e, t):
        """Earliest time >= t at which e is on a known shift, else None."""
        best = None
        for (a, b) in e.shifts:
            if t < b:
                c = max(a + self.R.randrange(5, 40) * MIN, t)
                if c < b and (best is None or c < best):
                    best = c
        return best

    def route(self, d):
        """Hand queued tickets whose pickup time falls in day d to on-shift staff."""
        R = self.R
        lim = (d + 1) * DAY
        handlers = {"cs": self.h_cs, "cs2": self.h_cs, "sellerops": self.h_sellerops, "mod": self.h_mod,
                    "ts": self.h_ts, "appeals": self.h_appeal, "fin": self.h_fin, "privacy": self.h_privacy,
                    "data": self.h_data}
        while self.heap and self.heap[0][0] < lim:
            t, n, tk = heapq.heappop(self.heap)
            t = max(t, self.floor)
            if tk.closed is not None:
                continue
            if t - tk.opened > 12 * DAY:
                self.sys_ev(t, "helpdesk", "ticket.close", "ticket", tk.id, {"resolution": "expired"}, src="hd")
                tk.closed = t
                continue
            e = None
            direct = tk.direct
            if direct is not None:
                if direct.leave_t is not None and t > direct.leave_t:
                    tk.direct = None
                    if tk.group is None:
                        tk.closed = t
                        self.sys_ev(t, "helpdesk", "ticket.close", "ticket", tk.id, {"resolution": "expired"}, src="hd")
                        continue
                    heapq.heappush(self.heap, (t, n, tk))
                    continue
                if self.on_shift(direct, t):
                    e = direct
                else:
                    nt = self.next_shift_time(direct, t)
                    if tk.group is not None and (nt is None or nt - t > 6 * HOUR) and tk.handler is None:
                        tk.direct = None     # owner away: fall back to the queue
                        heapq.heappush(self.heap, (t, n, tk))
                    else:
                        heapq.heappush(self.heap, (nt if nt is not None else lim, n, tk))
                    continue
            else:
                lst = self.onshift.get(t // HOUR, {}).get(tk.group)
                if not lst:
                    h = t // HOUR + 1
                    while h < lim // HOUR and not self.onshift.get(h, {}).get(tk.group):
                        h += 1
                    # an overnight backlog is worked off over the first hours, not all at once
                    spread = 90 if tk.group in ("cs", "cs2") else 240
                    nt = max(h * HOUR + R.randrange(1, spread) * MIN, t + MIN)
                    heapq.heappush(self.heap, (min(nt, lim) if h < lim // HOUR else lim, n, tk))
                    continue
                e = None
                for _ in range(4):
                    c = R.choice(lst)
                    span = self.shift_at(c, t)
                    if span is not None:
                        e = c
                        t = max(t, span[0] + R.randrange(2, 12) * MIN)
                        break
                if e is None:
                    heapq.heappush(self.heap, (t + R.randrange(5, 30) * MIN, n, tk))
                    continue
            (tk.handler or handlers[tk.group])(tk, e, t)

    def assign(self, tk, e, t):
        self.act(t, e, "ticket.assign", "ticket", tk.id)
        tk.assignee = e
        e.recent.append(tk)

    def close(self, tk, e, t, resolution):
        if self.act(t, e, "ticket.close", "ticket", tk.id, attrs={"resolution": resolution}):
            tk.closed = t
            tk.by = e
            if e.group in ("cs", "cs2", "mod"):
                self.qa_pool[e.site].append(tk)

    def purpose(self, e, tk, code, sloppy=1.0):
        """The purpose an honest employee attaches; sometimes forgotten or wrong."""
        r = self.R.random()
        s = sloppy * (1.6 if e.vendor else 1.0)
        if r < 0.012 * s:
            return None
        if r < 0.02 * s and len(e.recent) > 1 and e.recent[-2] is not tk and e.recent[-2].opened < tk.opened:
            return {"ticket": e.recent[-2].id, "code": code}      # wrong ticket (copy-paste)
        return {"ticket": tk.id, "code": code}

    def approval(self):
        self.apv += 1
        return f"apv_{5100 + self.apv}"

    def batch_id(self):
        self.batch_n += 1
        return f"bx{self.batch_n:05d}"

    def bulk(self, t, e, action, ids, fields, purpose, attrs):
        """A bulk search/export, split into several events sharing attrs.batch when large."""
        ids = list(ids)
        if len(ids) <= MAX_BATCH:
            return self.act(t, e, action, targets=ids, fields=fields, purpose=purpose, attrs=attrs)
        b = self.batch_id()
        ok = False
        parts = (len(ids) + MAX_BATCH - 1) // MAX_BATCH
        for k in range(parts):
            at = dict(attrs)
            at.update({"batch": b, "part": k + 1, "parts": parts})
            ok |= self.act(t + k * 150, e, action, targets=ids[k * MAX_BATCH:(k + 1) * MAX_BATCH],
                           fields=fields, purpose=purpose, attrs=at)
        return ok

    # ------------------------------------------------------------ ticket handlers (honest)
    def h_cs(self, tk, e, t):
        """Support ticket: optional lookup, customer view, order view, maybe escalate, close."""
        R = self.R
        self.assign(tk, e, t)
        t += R.randrange(15, 150) * SEC
        c = tk.cust
        pur = self.purpose(e, tk, "customer_request")
        if R.random() < 0.22:
            ids = [self.cid(c)]
            if R.random() < 0.35:
                ids += [self.cid(R.randrange(self.C)) for _ in range(R.randrange(1, 3))]
                R.shuffle(ids)
            q = R.choice(("email:", "phone:", "name+zip:", "order:"))
            self.act(t, e, "customer.search", targets=ids, fields=["name", "email"], purpose=pur,
                     attrs={"query": q + "*"})
            t += R.randrange(10, 60) * SEC
        fields = list(TOPIC_FIELDS.get(tk.topic, ["name", "email", "orders"]))
        if "payment" not in fields and R.random() < 0.06:
            fields.append("payment")           # over-broad view, common habit
        if e.vendor and "payment" in fields and R.random() < 0.5:
            self.act(t, e, "customer.view", "customer", self.cid(c), fields=fields, purpose=pur, outcome="denied")
            fields = [f for f in fields if f != "payment"]
            t += R.randrange(5, 30) * SEC
        self.act(t, e, "customer.view", "customer", self.cid(c), fields=fields, purpose=pur)
        if tk.order is not None:
            t += R.randrange(20, 120) * SEC
            self.act(t, e, "order.view", "order", self.oid(tk.order), purpose=pur,
                     attrs={"customer": self.cid(c), "seller": self.sel_id[self.o_sel[tk.order]]})
            if R.random() < 0.25:
                t += R.randrange(20, 200) * SEC
                self.act(t, e, "order.view", "order", self.oid(tk.order), purpose=pur,
                         attrs={"customer": self.cid(c), "seller": self.sel_id[self.o_sel[tk.order]]})
        if tk.topic == "locked" and self.cust_locked.get(c):
            t += R.randrange(1, 6) * MIN
            self.act(t, e, "account.reactivate", "customer", self.cid(c), purpose=pur, attrs={"appeal": tk.id})
            self.cust_locked.pop(c, None)
        if R.random() < 0.18:
            t += R.randrange(3, 40) * MIN
            self.act(t, e, "customer.view", "customer", self.cid(c), fields=["name", "phone"], purpose=pur)
        if e.group == "cs" and R.random() < 0.07 and tk.extra != "escalated":
            tk.extra = "escalated"
            tk.group = "cs2"
            heapq.heappush(self.heap, (t + self.queue_delay("cs2"), tk.n, tk))
            return
        t += R.randrange(1, 15) * MIN
        self.close(tk, e, t, R.choice(RESOLUTIONS.get(tk.topic, ["resolved", "info_provided"])))

    def h_sellerops(self, tk, e, t):
        """A seller's question about a buyer/order (seller_request purpose)."""
        R = self.R
        kam = self.kam_of.get(tk.seller)
        if kam is not None and kam is not e and tk.direct is None and self.on_shift(kam, t):
            e = kam
        self.assign(tk, e, t)
        pur = self.purpose(e, tk, "seller_request")
        t += R.randrange(1, 8) * MIN
        if tk.order is not None:
            self.act(t, e, "order.view", "order", self.oid(tk.order), purpose=pur,
                     attrs={"customer": self.cid(tk.cust), "seller": self.sel_id[tk.seller]})
        if tk.cust is not None and R.random() < 0.75:
            t += R.randrange(30, 300) * SEC
            self.act(t, e, "customer.view", "customer", self.cid(tk.cust),
                     fields=R.choice((["name", "address", "orders"], ["name", "orders"])), purpose=pur)
        if R.random() < 0.06:
            t += R.randrange(2, 20) * MIN
            self.act(t, e, "x.seller.fee_waiver", "seller", self.sel_id[tk.seller], purpose=pur,
                     attrs={"amount": round(R.uniform(5, 90), 2), "currency": "EUR", "reason": "goodwill"})
        t += R.randrange(5, 40) * MIN
        self.close(tk, e, t, R.choice(("answered", "buyer_contacted", "no_action")))

    def h_mod(self, tk, e, t):
        """Review disputes: seller disputes, customer complaints about removals, bombing."""
        R = self.R
        self.assign(tk, e, t)
        t += R.randrange(1, 10) * MIN
        if tk.topic == "review_bombing":
            return self.cleanup_bombing(tk, e, t)
        r = tk.review
        if tk.topic == "review_removed":
            if self.r_deleted[r]:
                p = 0.75 if self.r_deleted[r] == 2 else 0.3
                if R.random() < p:
                    self.act(t, e, "review.restore", "review", self.rid(r),
                             purpose={"ticket": tk.id, "code": "customer_request"})
                    self.r_deleted[r] = 0
                    return self.close(tk, e, t + R.randrange(1, 5) * MIN, "restored")
            return self.close(tk, e, t + R.randrange(1, 5) * MIN, "upheld")
        if self.r_deleted[r]:
            return self.close(tk, e, t, "already_removed")
        p = 0.35 if self.r_rating[r] <= 2 else 0.1
        if R.random() < p:
            reason = R.choice(("off_topic", "abuse", "seller_request", "off_topic"))
            self.act(t, e, "review.delete", "review", self.rid(r), purpose={"ticket": tk.id, "code": "seller_request"},
                     attrs={"reason": reason})
            self.mark_deleted(r, 1, t)
            return self.close(tk, e, t + R.randrange(1, 5) * MIN, "removed")
        self.close(tk, e, t + R.randrange(1, 5) * MIN, "kept")

    def cleanup_bombing(self, tk, e, t):
        """Look-alike: one moderator removes dozens of 1-star reviews of one seller."""
        R = self.R
        s = tk.seller
        pur = {"ticket": tk.id, "code": "seller_request"}
        brig = [r for r in self.sel_reviews[s] if self.r_kind[r] == 3 and not self.r_deleted[r] and self.r_time[r] < t]
        for r in brig[: R.randrange(3, 6)]:
            t += R.randrange(20, 90) * SEC
            self.act(t, e, "customer.view", "customer", self.cid(self.r_cust[r]), fields=["account", "reviews"], purpose=pur)
        for r in brig:
            t += R.randrange(8, 40) * SEC
            self.act(t, e, "review.delete", "review", self.rid(r), purpose=pur,
                     attrs={"reason": R.choice(("abuse", "spam")), "queue": "brigade"})
            self.r_deleted[r] = 1
        self.close(tk, e, t + 3 * MIN, "brigade_removed")

    def h_ts(self, tk, e, t):
        """Fraud report on a seller: views many of its reviewers, deletes fakes, suspends."""
        R = self.R
        self.assign(tk, e, t)
        s = tk.seller
        pur = {"ticket": tk.id, "code": "fraud_investigation"}
        revs = [r for r in self.sel_reviews[s] if self.r_time[r] < t and self.r_kind[r] != 4]
        fakes = [r for r in revs if self.r_kind[r] == 1]
        sample = fakes[-40:] + R.sample(revs, min(len(revs), R.randrange(5, 15)))
        seen = set()
        for r in sample:
            c = self.r_cust[r]
            if c in seen:
                continue
            seen.add(c)
            t += R.randrange(30, 240) * SEC
            self.act(t, e, "customer.view", "customer", self.cid(c),
                     fields=["name", "email", "orders", "reviews", "account"], purpose=pur)
        for r in fakes:
            if not self.r_deleted[r] and R.random() < 0.9:
                t += R.randrange(10, 60) * SEC
                self.act(t, e, "review.delete", "review", self.rid(r), purpose=pur, attrs={"reason": "spam"})
                self.r_deleted[r] = 1
        socks = list({self.r_cust[r] for r in fakes})
        for c in socks[: R.randrange(0, 8)]:
            t += R.randrange(10, 60) * SEC
            self.act(t, e, "account.suspend", "customer", self.cid(c), purpose=pur, attrs={"reason": "review_manipulation"})
        if s in self.manip and len(fakes) >= 5 and self.banned[s] is None and R.random() < 0.75:
            t += R.randrange(5, 30) * MIN
            self.act(t, e, "account.suspend", "seller", self.sel_id[s], purpose=pur, attrs={"reason": "review_manipulation"})
            self.ban_seller(s, "review_manipulation", t, by_employee=True)
            self.close(tk, e, t + 2 * MIN, "seller_suspended")
        else:
            self.close(tk, e, t + R.randrange(5, 30) * MIN, "no_action")

    def h_appeal(self, tk, e, t):
        """Seller/customer appeal: look at some orders, decide, four-eyes for reinstating."""
        R = self.R
        self.assign(tk, e, t)
        pur = {"ticket": tk.id, "code": "seller_request" if tk.seller is not None else "customer_request"}
        if tk.seller is None:       # customer appeal after a fraud suspension
            c = tk.cust
            t += R.randrange(2, 15) * MIN
            self.act(t, e, "customer.view", "customer", self.cid(c), fields=["name", "orders", "payment", "account"], purpose=pur)
            if self.cust_locked.get(c) and R.random() < 0.5:
                t += R.randrange(5, 30) * MIN
                p = dict(pur, approval=self.approval())
                self.act(t, e, "account.reactivate", "customer", self.cid(c), purpose=p, attrs={"appeal": tk.id})
                self.cust_locked.pop(c, None)
                return self.close(tk, e, t + MIN, "reinstated")
            return self.close(tk, e, t + R.randrange(5, 20) * MIN, "upheld")
        s = tk.seller
        ban = self.banned[s]
        orders = [o for o in self.sel_orders[s][-200:] if self.o_time[o] < t and self.o_cust[o] not in self.honey]
        for o in R.sample(orders, min(len(orders), R.randrange(1, 5))):
            t += R.randrange(1, 6) * MIN
            self.act(t, e, "order.view", "order", self.oid(o), purpose=pur,
                     attrs={"customer": self.cid(self.o_cust[o]), "seller": self.sel_id[s]})
        t += R.randrange(5, 40) * MIN
        if ban is None:
            return self.close(tk, e, t, "moot")
        p = {"policy": 0.6, "other": 0.6, "counterfeit": 0.12, "fraud": 0.1, "review_manipulation": 0.2}[ban[0]]
        if R.random() < p:
            pp = dict(pur, approval=self.approval())
            self.act(t, e, "account.reactivate", "seller", self.sel_id[s], purpose=pp, attrs={"appeal": tk.id})
            self.banned[s] = None
            return self.close(tk, e, t + MIN, "reinstated")
        self.close(tk, e, t, "upheld")

    def h_fin(self, tk, e, t):
        """Chargeback: order + payment details; sometimes suspend the buyer for fraud."""
        R = self.R
        self.assign(tk, e, t)
        code = "fraud_investigation" if R.random() < 0.4 else "customer_request"
        pur = self.purpose(e, tk, code)
        c, o = tk.cust, tk.order
        t += R.randrange(1, 6) * MIN
        self.act(t, e, "order.view", "order", self.oid(o), purpose=pur,
                 attrs={"customer": self.cid(c), "seller": self.sel_id[self.o_sel[o]]})
        t += R.randrange(30, 200) * SEC
        self.act(t, e, "customer.view", "customer", self.cid(c), fields=["name", "payment", "orders"], purpose=pur)
        if R.random() < 0.08 and not self.cust_locked.get(c):
            t += R.randrange(2, 10) * MIN
            self.act(t, e, "account.suspend", "customer", self.cid(c), purpose=pur, attrs={"reason": "fraud"})
            self.cust_locked[c] = True
            if R.random() < 0.5:
                self.open_ticket(t + R.randrange(2, 72) * HOUR, "customer", "appeal", "appeals", cust=c,
                                 topic="account_suspended", channel="email")
        self.close(tk, e, t + R.randrange(3, 20) * MIN, R.choice(("chargeback_accepted", "chargeback_disputed")))

    def h_privacy(self, tk, e, t):
        """DSAR exports, law-enforcement exports, breach notifications."""
        R = self.R
        self.assign(tk, e, t)
        t += R.randrange(5, 60) * MIN
        if tk.topic == "data_request":
            pur = {"ticket": tk.id, "code": "legal"}
            self.act(t, e, "customer.view", "customer", self.cid(tk.cust), fields=["name", "email", "account"], purpose=pur)
            t += R.randrange(2, 20) * MIN
            self.act(t, e, "customer.export", targets=[self.cid(tk.cust)], fields=ALL_FIELDS, purpose=pur,
                     attrs={"format": "json"})
            return self.close(tk, e, t + 5 * MIN, "dsar_fulfilled")
        if tk.topic == "law_enforcement":
            s = tk.seller
            buyers = sorted({self.o_cust[o] for o in self.sel_orders[s] if self.o_time[o] < t} - self.honey)
            pur = {"ticket": tk.id, "code": "legal", "approval": self.approval(), "reason": "court order"}
            self.bulk(t, e, "customer.export", [self.cid(c) for c in buyers], ["name", "email", "address", "orders"],
                      pur, {"format": "csv", "query": f"buyers_of:{self.sel_id[s]}"})
            return self.close(tk, e, t + 20 * MIN, "produced")
        if tk.topic == "breach_notice":
            ids = tk.extra
            pur = {"ticket": tk.id, "code": "legal", "reason": "breach notification"}
            self.bulk(t, e, "customer.export", [self.cid(c) for c in ids], ["name", "email"], pur, {"format": "csv"})
            return self.close(tk, e, t + 30 * MIN, "notified")
        self.close(tk, e, t, "resolved")

    def h_data(self, tk, e, t):
        """Analytics request: a sampled export for a survey or quality study."""
        R = self.R
        self.assign(tk, e, t)
        t += R.randrange(20, 180) * MIN
        n = min(self.C, R.randrange(300, 2500))
        ids = [self.cid(c) for c in R.sample(range(self.C), n)]
        pur = {"ticket": tk.id, "code": "quality_review"}
        fields = R.choice((["email", "orders"], ["name", "email"], ["orders", "reviews"]))
        self.bulk(t, e, "customer.export", ids, fields, pur, {"format": R.choice(("csv", "parquet"))})
        self.close(tk, e, t + R.randrange(10, 90) * MIN, "delivered")

    # ------------------------------------------------------------ marketplace
    def ban_seller(self, s, reason, t, by_employee=False, appeal=True):
        """Mark a seller banned (system ban or employee suspension); maybe it appeals."""
        self.banned[s] = (reason, t)
        if not by_employee:
            self.sys_ev(t, "trust-engine", "account.ban", "seller", self.sel_id[s], {"reason": reason})
        if appeal and s not in self.benef and self.R.random() < 0.7:
            self.open_ticket(t + self.R.randrange(4, 150) * HOUR, "seller", "appeal", "appeals", seller=s,
                             channel="seller-hub")

    def mark_deleted(self, r, how, t):
        """Review deleted; a genuine reviewer sometimes complains about it later."""
        self.r_deleted[r] = how
        if self.r_kind[r] == 0 and self.R.random() < (0.25 if how == 2 else 0.08):
            self.open_ticket(t + self.R.randrange(10, 120) * HOUR, "customer", "review_dispute", "mod",
                             cust=self.r_cust[r], seller=self.r_sel[r], review=r, topic="review_removed",
                             channel="email")

    def new_order(self, t, c, s):
        o = len(self.o_cust)
        self.o_cust.append(c)
        self.o_sel.append(s)
        self.o_time.append(t)
        self.sel_orders[s].append(o)
        p = self.R.choice(self.products[s])
        self.emit(t, "mp", {"actor": {"type": "customer", "id": self.cust_id[c]}, "action": "order.create",
                            "target": {"type": "order", "id": f"po_{self.order0 + o}"},
                            "attrs": {"seller": self.sel_id[s], "product": p,
                                      "total": round(5 + 120 * self.R.random() ** 2, 2)}})
        return o, p

    def new_review(self, t, c, s, rating, kind, product=None):
        r = len(self.r_cust)
        self.r_cust.append(c)
        self.r_sel.append(s)
        self.r_rating.append(rating)
        self.r_time.append(t)
        self.r_kind.append(kind)
        self.r_deleted.append(0)
        self.sel_reviews[s].append(r)
        if rating <= 2 and kind in (0, 4):
            self.sel_neg[s].append(r)
        self.emit(t, "mp", {"actor": {"type": "customer", "id": self.cust_id[c]}, "action": "review.create",
                            "target": {"type": "review", "id": f"rvw_{self.review0 + r}"},
                            "attrs": {"seller": self.sel_id[s], "product": product or self.R.choice(self.products[s]),
                                      "rating": rating}})
        return r

    def rating_for(self, s):
        u = self.R.random()
        q = self.sel_q[s]
        if u < (1 - q) * 0.9:
            return self.R.choice((1, 1, 2))
        if u < (1 - q) * 0.9 + 0.07:
            return 3
        return 5 if self.R.random() < 0.7 else 4

    def demand(self, d):
        m = 1.15 if d % 7 >= 5 else 1.0
        if self.sale and self.sale[0] <= d <= self.sale[1]:
            m *= 2.8
        elif self.sale and self.sale[1] < d <= self.sale[1] + 7:
            m *= 1.3          # post-sale returns
        return m

    def recent_order(self, d, back=14):
        lo = self.day_first_order.get(max(0, d - back), 0)
        hi = len(self.o_cust)
        if hi <= lo:
            return None
        for _ in range(6):
            o = self.R.randrange(lo, hi)
            if self.o_cust[o] not in self.honey and self.o_cust[o] < self.C:
                return o
        return None

    def market_day(self, d):
        """Orders, reviews, customer/seller/system tickets, bans, stories for day d."""
        R, C = self.R, self.C
        t0 = d * DAY
        m = self.demand(d)
        self.day_first_order[d] = len(self.o_cust)
        if d == 0:
            self.plant_honeytokens()
        # orders
        n = int(C * 0.08 * m * R.uniform(0.9, 1.1))
        custs = R.choices(self.base_idx, cum_weights=self.cust_cum, k=n)
        sels = R.choices(range(self.S), cum_weights=self.sel_cum, k=n)
        hours = R.choices(range(24), cum_weights=self.diurnal_cum, k=n)
        for c, s, h in zip(custs, sels, hours):
            if self.banned[s] is not None:
                continue
            t = t0 + h * HOUR + R.randrange(HOUR)
            o, p = self.new_order(t, c, s)
            if R.random() < 0.22:
                self.reviews_due[d + R.randrange(3, 19)].append((o, p))
        # reviews of earlier orders
        for (o, p) in self.reviews_due.pop(d, []):
            s = self.o_sel[o]
            if self.banned[s] is not None:
                continue
            t = self.rand_time(d)
            r = self.new_review(t, self.o_cust[o], s, self.rating_for(s), 0, p)
            if self.r_rating[r] <= 2:
                if s not in self.benef and R.random() < 0.12:
                    self.open_ticket(t + R.randrange(2, 96) * HOUR, "seller", "review_dispute", "mod",
                                     seller=s, review=r, topic="seller_dispute", channel="seller-hub")
                if R.random() < 0.03:
                    heapq.heappush(self.flagged, (t + 10 * MIN, r))       # abusive wording
        # spam reviews from throwaway accounts
        for _ in range(int(C * 0.0008 * m) + 1):
            c = self.new_customer()
            s = R.choices(range(self.S), cum_weights=self.sel_cum)[0]
            t = self.rand_time(d)
            r = self.new_review(t, c, s, R.choice((1, 5, 5)), 2)
            heapq.heappush(self.flagged, (t + R.randrange(2, 60) * MIN, r))
        # manipulators' fake 5-star reviews from sock accounts
        for s in self.manip:
            if self.banned[s] is not None:
                continue
            k = int(self.manip_rate[s] + R.random())
            for _ in range(k):
                socks = self.socks[s]
                if len(socks) < 12 or R.random() < 0.15:
                    socks.append(self.new_customer())
                c = R.choice(socks)
                t = self.rand_time(d)
                r = self.new_review(t, c, s, 5, 1)
                if R.random() < 0.25:
                    heapq.heappush(self.flagged, (t + R.randrange(10, 600) * MIN, r))
            if self.fraud_day.get(s) == d:
                self.open_ticket(t0 + R.randrange(DAY), "trust-engine", "fraud_report", "ts", seller=s,
                                 topic="review_manipulation_signal")
        # customer tickets (order issues and account questions)
        for _ in range(int(C * 0.03 * m * R.uniform(0.85, 1.15))):
            t = self.rand_time(d)
            ch = R.choices(("chat", "email", "phone"), (55, 30, 15))[0]
            if R.random() < 0.85:
                o = self.recent_order(d)
                if o is None:
                    continue
                if self.o_time[o] >= t:
                    t = self.o_time[o] + R.randrange(5, 90) * MIN
                    if t >= t0 + DAY:
                        continue
                topic = R.choices([x for x, _ in ORDER_TOPICS], [w for _, w in ORDER_TOPICS])[0]
                grp = "cs2" if R.random() < 0.06 else "cs"
                self.open_ticket(t, "customer", "order_issue", grp, cust=self.o_cust[o], seller=self.o_sel[o],
                                 order=o, topic=topic, channel=ch)
            else:
                c = R.choices(self.base_idx, cum_weights=self.cust_cum)[0]
                topic = R.choices([x for x, _ in ACCOUNT_TOPICS], [w for _, w in ACCOUNT_TOPICS])[0]
                grp = "privacy" if topic == "data_request" else "cs"
                self.open_ticket(t, "customer", "account", grp, cust=c, topic=topic, channel=ch)
        # customers locked by the account-takeover guard, who then ask to be unlocked
        for _ in range(int(C * 0.0004) + (1 if R.random() < 0.5 else 0)):
            c = R.randrange(C)
            if self.cust_locked.get(c):
                continue
            t = self.rand_time(d)
            self.sys_ev(t, "ato-guard", "account.ban", "customer", self.cid(c), {"reason": R.choice(("policy", "other"))})
            self.cust_locked[c] = True
            if R.random() < 0.7:
                self.open_ticket(t + R.randrange(1, 48) * HOUR, "customer", "account", "cs", cust=c,
                                 topic="locked", channel="email")
        # sellers asking about buyers/orders (KAM for top sellers, desk otherwise)
        for _ in range(int(C * 0.003 * m) + 1):
            o = self.recent_order(d, 20)
            if o is None:
                continue
            s = self.o_sel[o]
            t = max(self.o_time[o] + R.randrange(1, 48) * HOUR, t0 + R.randrange(DAY))
            if t >= t0 + DAY:
                continue
            self.open_ticket(t, "seller", "order_issue", "sellerops", cust=self.o_cust[o], seller=s, order=o,
                             topic=R.choice(("buyer_dispute", "return_abuse", "address_problem", "cancellation")),
                             channel="seller-hub", direct=None)
        # chargebacks from the payment provider
        for _ in range(int(C * 0.0006 * m) + 1):
            o = self.recent_order(d, 30)
            if o is None:
                continue
            t = max(self.o_time[o] + DAY, t0 + R.randrange(DAY))
            if t < t0 + DAY:
                self.open_ticket(t, "payments-gw", "order_issue", "fin", cust=self.o_cust[o], seller=self.o_sel[o],
                                 order=o, topic="chargeback")
        # automated seller bans (some appeal)
        if R.random() < min(0.9, self.S * 0.0009):
            s = R.randrange(5, self.S)
            if s not in self.special and s not in self.benef and self.banned[s] is None:
                reason = R.choices(("fraud", "counterfeit", "policy", "review_manipulation", "other"), (30, 25, 25, 12, 8))[0]
                self.ban_seller(s, reason, self.rand_time(d))
        # internal requests: analytics samples (about twice a week per 1000 staff)
        if R.random() < 0.3 * max(0.3, self.a.employees / 1000):
            self.open_ticket(t0 + R.randrange(7, 16) * HOUR, "helpdesk", "other", "data", topic="analytics_request")
        self.stories_market(d)

    def plant_honeytokens(self):
        """Decoy customers: planted, given orders and (negative) reviews on watched sellers."""
        R = self.R
        n = max(6, self.C // 3000)
        watched = sorted(self.benef)
        others = [s for s in self.mid_pool[:60] if s not in self.special] or list(range(min(self.S, 50)))
        self.honey_list = []
        for k in range(n):
            c = self.new_customer()
            self.honey.add(c)
            self.honey_list.append(c)
            self.sys_ev(R.randrange(1, 20) * MIN, "custos-decoy", "honeytoken.plant", "customer", self.cid(c),
                        {"profile": "reviewer"}, src="sec")
            sellers = [watched[k % len(watched)]] if (watched and k % 5 < 2) else []
            sellers += R.sample(others, min(len(others), 2))
            for j, s in enumerate(sellers):
                d = R.randrange(0, max(1, min(6, self.days - 1)))
                t = d * DAY + 2 * HOUR + R.randrange(20 * HOUR)
                self.pending_honey.append((t, c, s))

    def stories_market(self, d):
        """Marketplace side of the planted stories (fire, bombing, bans, incidents, legal)."""
        R = self.R
        t0 = d * DAY
        # honeytoken purchases and reviews
        for (t, c, s) in [x for x in self.pending_honey if x[0] // DAY == d]:
            o, p = self.new_order(t, c, s)
            self.honey_reviews.append((t + R.randrange(2, 5) * DAY, c, s, p))
        for x in [x for x in self.honey_reviews if x[0] // DAY == d]:
            t, c, s, p = x
            if self.banned[s] is None:
                self.new_review(t, c, s, R.choice((1, 2, 2)), 4, p)
        # warehouse fire: a burst of buyer tickets for one big seller, worked by a swarm
        if self.fire and self.fire[0] <= d <= self.fire[0] + 1:
            s = self.fire[1]
            orders = [o for o in self.sel_orders[s][-3000:] if self.o_cust[o] not in self.honey and self.o_cust[o] < self.C]
            for o in R.sample(orders, min(len(orders), max(20, self.C // 400))):
                t = t0 + R.randrange(6 * HOUR, DAY)
                if self.o_time[o] < t:
                    self.open_ticket(t, "customer", "order_issue", "cs2", cust=self.o_cust[o], seller=s, order=o,
                                     topic="late_delivery", channel="chat", direct=self.pick_swarm(t))
        # review bombing: fresh accounts pile 1-star reviews on one seller in ~3 hours
        if d in self.bombs:
            s = self.bombs[d]
            tb = t0 + R.randrange(10 * HOUR, 16 * HOUR)
            for _ in range(R.randrange(30, 70)):
                c = self.new_customer()
                self.new_review(tb + R.randrange(3 * HOUR), c, s, 1, 3)
            self.open_ticket(tb + R.randrange(4, 7) * HOUR, "seller", "review_dispute", "mod", seller=s,
                             topic="review_bombing", channel="seller-hub", delay=R.randrange(20, 90) * MIN)
        # false-positive ban wave: many sellers banned by a bad rule at night
        if self.fp_wave and d == self.fp_wave[0]:
            tb = t0 + R.randrange(1 * HOUR, 3 * HOUR)
            for s in self.fp_wave[1]:
                self.banned[s] = ("review_manipulation", tb)
                self.sys_ev(tb + R.randrange(10 * MIN), "trust-engine", "account.ban", "seller", self.sel_id[s],
                            {"reason": "review_manipulation", "rule": "rm-v7"})
            fixer = self.pick_staff("ts", tb + 6 * HOUR)
            self.open_ticket(tb + 5 * HOUR, "trust-engine", "other", "ts", topic="incident", extra=list(self.fp_wave[1]),
                             direct=fixer, handler=self.h_fp_wave, delay=R.randrange(30, 120) * MIN)
        # planted bans of reactivation beneficiaries
        for (ins, s) in self.plot_bans.get(d, []):
            if self.banned[s] is not None:
                continue
            tb = t0 + R.randrange(DAY - 2 * HOUR)
            reason = R.choice(("fraud", "review_manipulation"))
            self.ban_seller(s, reason, tb, appeal=False)
            if ins.subtle and self.covered(ins):
                # the seller files an appeal that the insider grabs and waves through
                self.open_ticket(tb + R.randrange(2, 20) * HOUR, "seller", "appeal", None, seller=s,
                                 channel="seller-hub", direct=ins.emp, handler=self.m_reinstate_appeal,
                                 delay=R.randrange(1, 30) * HOUR)
            else:
                ins.todo.append((tb + R.randrange(1, 30) * HOUR, "reactivate", s))
        # law-enforcement request
        if d in self.legal:
            self.open_ticket(t0 + R.randrange(8 * HOUR, 16 * HOUR), "legal-intake", "other", "privacy",
                             seller=self.legal[d], topic="law_enforcement")
        # incidents (SRE break-glass) are staffed here because on-call works any hour
        if d in self.incidents:
            self.incident(d, self.incidents[d])

    def pick_swarm(self, t):
        """Three fixed senior agents form the swarm for the warehouse-fire tickets."""
        if not hasattr(self, "swarm"):
            c = [e for e in self.emps if e.first_key == "senior" and e.ins is None and e.leave_day is None]
            self.swarm = c[:3]
        return self.R.choice(self.swarm) if self.swarm and self.R.random() < 0.7 else None

    def pick_staff(self, group, t):
        c = [e for e in self.emps if e.first_key == {"ts": "tns"}.get(group, group) and e.ins is None
             and e.leave_day is None and e.hire_day is None]
        return self.R.choice(c) if c else None

    def h_fp_wave(self, tk, e, t):
        """Look-alike: one analyst reactivates a batch of sellers banned by a bad rule."""
        R = self.R
        self.assign(tk, e, t)
        pur = {"ticket": tk.id, "code": "quality_review", "approval": self.approval(),
               "reason": "false positive of rule rm-v7"}
        b = self.batch_id()
        for s in tk.extra:
            t += R.randrange(20, 120) * SEC
            if self.banned[s] is not None:
                self.act(t, e, "account.reactivate", "seller", self.sel_id[s], purpose=pur, attrs={"batch": b})
                self.banned[s] = None
        self.close(tk, e, t + 5 * MIN, "resolved")

    def incident(self, d, kind):
        """An incident: ticket, on-call SRE searches affected customers with break-glass."""
        R = self.R
        t = d * DAY + R.randrange(DAY - 6 * HOUR)
        sres = [e for e in self.emps if e.first_key == "sre" and (e.leave_t is None or e.leave_t > t + DAY)
                and (e.hire_day is None or e.hire_day < d)]
        if not sres:
            return
        region = "BLR" if 2 <= (t // HOUR) % 24 < 14 else "PHX"
        pool = [e for e in sres if e.site == region] or sres
        oncall = pool[(d // 7) % len(pool)]
        inc = f"INC-{2600 + d}"
        tk = self.open_ticket(t, "pagerduty", "other", None, topic="incident")
        if tk is None:
            return
        self.set_actor(oncall, d)
        t += R.randrange(5, 20) * MIN
        if not self.on_shift(oncall, t):
            self.act(t, oncall, "auth.login", attrs={"ip": f"100.{R.randrange(64, 127)}.{R.randrange(256)}.{R.randrange(256)}",
                                                   "device": oncall.device, "vpn": True}, tool="sso")
        self.assign(tk, oncall, t + MIN)
        lo = self.day_first_order.get(max(0, d - 1), 0)
        orders = [o for o in range(lo, len(self.o_cust)) if self.o_time[o] < t and self.o_cust[o] < self.C
                  and self.o_cust[o] not in self.honey]
        hit = R.sample(orders, min(len(orders), R.randrange(80, 400)))
        affected = sorted({self.o_cust[o] for o in hit})
        pur = {"ticket": tk.id, "code": "break_glass", "reason": f"{inc} {kind.replace('_', ' ')}"}
        if R.random() < 0.6:
            pur["approval"] = self.approval()
        t += R.randrange(10, 40) * MIN
        if kind == "search_index":
            for c in R.sample(affected, min(8, len(affected))):
                t += R.randrange(1, 5) * MIN
                self.act(t, oncall, "customer.view", "customer", self.cid(c), fields=["name", "email", "orders"], purpose=pur)
        else:
            self.bulk(t, oncall, "customer.search", [self.cid(c) for c in affected], ["name", "email", "orders"],
                      pur, {"query": f"affected:{inc}"})
        self.close(tk, oncall, t + R.randrange(1, 4) * HOUR, "mitigated")
        if kind == "email_misdelivery":
            self.open_ticket(t + 2 * HOUR, "pagerduty", "other", "privacy", topic="breach_notice", extra=affected)
        if kind == "payment_capture":
            for o in hit[: max(10, len(hit) // 4)]:
                c = self.o_cust[o]
                if True:
                    self.open_ticket(t + R.randrange(1, 10) * HOUR, "customer", "order_issue", "cs", cust=c,
                                     seller=self.o_sel[o], order=o, topic="payment_failed", channel="chat")

    # ------------------------------------------------------------ HR and shifts
    def hr_day(self, d):
        """Hires, changes, resignation notices and leaves taking effect on day d."""
        R = self.R
        for e in self.emps:
            if e.hire_day == d:
                self.set_actor(e, d + 1)
                self.sys_ev(d * DAY + R.randrange(5 * HOUR, 7 * HOUR), "hr-sync", "employee.hire", "employee", e.id,
                            {"role": e.role, "team": e.team, "site": e.site}, src="hr")
            for (cd, k, team, site) in e.changes:
                if cd == d and (e.leave_day is None or cd <= e.leave_day) and (e.hire_day is None or e.hire_day < cd):
                    self.sys_ev(d * DAY + R.randrange(3 * HOUR, 5 * HOUR), "hr-sync", "employee.change", "employee",
                                e.id, {"role": ROLES[k][0], "team": team, "site": site}, src="hr")
                    self.set_actor(e, d)
            if e.notice_day == d and e.leave_day is not None:
                self.sys_ev(d * DAY + R.randrange(6 * HOUR, 12 * HOUR), "hr-sync", "x.hr.resignation_notice", "employee",
                            e.id, {"effective": (START + timedelta(days=e.leave_day)).isoformat()}, src="hr")
            if e.leave_t is not None and e.leave_t // DAY == d:
                self.sys_ev(e.leave_t + MIN, "hr-sync", "employee.leave", "employee", e.id,
                            {"reason": e.leave_reason}, src="hr")

    def start_shifts(self, d):
        """Shift instances starting on day d: logins and on-shift buckets for routing."""
        R = self.R
        self.today_shift = {}
        for h in [h for h in self.onshift if h < d * 24 - 48]:
            del self.onshift[h]
        for (st, en, e, group) in self.shifts_by_day.get(d, []):
            if e.leave_t is not None and st >= e.leave_t:
                continue
            if e.leave_t is not None:
                en = min(en, e.leave_t)
            e.shifts.append((st, en))
            self.today_shift[e.idx] = (st, en)
            e.session = f"{e.idx:x}{d:02x}{R.randrange(4096):03x}"
            ip = e.host if R.random() > 0.04 else f"100.{R.randrange(64, 127)}.{R.randrange(256)}.{R.randrange(256)}"
            self.act(st, e, "auth.login", attrs={"ip": ip, "device": e.device}, tool="sso")
            if R.random() < 0.4:
                self.act(st + (en - st) // 2 + R.randrange(-30, 30) * MIN, e, "auth.login",
                         attrs={"ip": ip, "device": e.device}, tool="sso")
            for h in range(st // HOUR, (en - 20 * MIN) // HOUR + 1):
                lst = self.onshift[h][group]
                for _ in range(e.speed):
                    lst.append(e)

    # ------------------------------------------------------------ autonomous honest work
    def autonomous(self, d):
        """Work that is not queue-driven: moderation queue, QA sampling, follow-ups, debugging."""
        R = self.R
        shifts = sorted(self.shifts_by_day.get(d, []), key=lambda x: x[0])
        for (st, en, e, group) in shifts:
            if e.idx not in self.today_shift:
                continue
            st, en = self.today_shift[e.idx]
            if en - st < HOUR:
                continue
            if group == "mod":
                self.moderation_queue(e, st, en)
            elif group == "lead":
                self.qa_sample(e, st, en)
            elif group in ("cs", "cs2"):
                self.cs_extras(e, st, en)
            elif group == "sre" and R.random() < 0.05:
                self.sre_debug(e, st, en, d)
            elif group == "sellerops" and e.portfolio and R.random() < 0.08:
                s = R.choice(e.portfolio)
                tks = [tk for tk in e.recent if tk.seller == s and tk.opened < st]
                pur = {"ticket": tks[-1].id, "code": "seller_request"} if tks else None
                self.act(st + R.randrange(HOUR, max(HOUR + 1, en - st - HOUR)), e, "x.seller.fee_waiver", "seller",
                         self.sel_id[s], purpose=pur,
                         attrs={"amount": round(R.uniform(20, 400), 2), "currency": "EUR", "reason": "kam_goodwill"})
            if e.handover == "handover" and e.leave_day is not None and 0 <= e.leave_day - d <= 7:
                self.handover_work(e, st, en)

    def moderation_queue(self, e, st, en):
        """Pop flagged reviews (spam, fakes, abusive) and delete most of them."""
        R = self.R
        t = st + R.randrange(10, 60) * MIN
        for _ in range(R.randrange(3, 14)):
            if not self.flagged or self.flagged[0][0] >= t:
                break
            _, r = heapq.heappop(self.flagged)
            if self.r_deleted[r]:
                continue
            kind = self.r_kind[r]
            if kind == 0 and R.random() < 0.4:
                continue            # reviewed, kept
            reason = {2: "spam", 1: "spam"}.get(kind, "abuse")
            self.act(t, e, "review.delete", "review", self.rid(r), attrs={"reason": reason, "queue": "auto-flag"})
            self.mark_deleted(r, 1, t)
            t += R.randrange(1, 12) * MIN
            if t >= en:
                break

    def qa_sample(self, e, st, en):
        """Team leads audit closed tickets (quality_review purpose, often days later)."""
        R = self.R
        pool = self.qa_pool.get(e.site)
        if not pool:
            return
        t = st + R.randrange(30, 180) * MIN
        for _ in range(R.randrange(2, 9)):
            tk = pool[R.randrange(len(pool))]
            if tk.closed is None or tk.closed >= t or tk.cust is None:
                continue
            self.act(t, e, "customer.view", "customer", self.cid(tk.cust), fields=["name", "orders"],
                     purpose={"ticket": tk.id, "code": "quality_review"})
            t += R.randrange(3, 20) * MIN
            if t >= en:
                break

    def cs_extras(self, e, st, en):
        """Follow-ups on closed tickets, a forgotten purpose now and then, a mistyped lookup."""
        R = self.R
        t = st + R.randrange(HOUR, max(HOUR + 1, en - st - 30 * MIN))
        old = [tk for tk in e.recent if tk.closed is not None and tk.closed < t - HOUR and tk.cust is not None]
        if old and R.random() < 0.3:
            tk = R.choice(old)
            self.act(t, e, "customer.view", "customer", self.cid(tk.cust), fields=["name", "phone", "orders"],
                     purpose={"ticket": tk.id, "code": "customer_request"})
        if old and R.random() < 0.03 * (1.6 if e.vendor else 1):
            tk = R.choice(old)
            self.act(t + R.randrange(5, 60) * MIN, e, "customer.view", "customer", self.cid(tk.cust),
                     fields=["name", "email"])          # forgot to link the ticket
        if R.random() < 0.01:
            c = R.randrange(self.C)                      # typo in a lookup: someone else's record
            self.act(t + R.randrange(2, 30) * MIN, e, "customer.search", targets=[self.cid(c)], fields=["name"],
                     attrs={"query": "email:*"})

    def sre_debug(self, e, st, en, d):
        """Occasional break-glass debugging of a few customers (approval sometimes missing)."""
        R = self.R
        t = st + R.randrange(HOUR, max(HOUR + 1, en - st - HOUR))
        o = self.recent_order(d, 3)
        if o is None or self.o_time[o] >= t:
            return
        pur = {"code": "break_glass", "reason": R.choice(("debug checkout error", "replay failed webhook",
                                                          "verify migration"))}
        if R.random() < 0.5:
            pur["approval"] = self.approval()
        self.act(t, e, "order.view", "order", self.oid(o), purpose=pur,
                 attrs={"customer": self.cid(self.o_cust[o]), "seller": self.sel_id[self.o_sel[o]]})
        if R.random() < 0.5:
            self.act(t + R.randrange(1, 10) * MIN, e, "customer.view", "customer", self.cid(self.o_cust[o]),
                     fields=["email", "orders"], purpose=pur)

    def handover_work(self, e, st, en):
        """Honest leaver: re-checks own past tickets / exports a standing sample for a successor."""
        R = self.R
        t = st + R.randrange(HOUR, max(HOUR + 1, en - st - HOUR))
        if e.key == "analyst":
            if R.random() < 0.3:
                tk = self.open_ticket(t - 30 * MIN, "helpdesk", "other", None, topic="handover")
                if tk:
                    ids = [self.cid(c) for c in R.sample(range(self.C), min(self.C, R.randrange(400, 1500)))]
                    self.bulk(t, e, "customer.export", ids, ["email", "orders"],
                              {"ticket": tk.id, "code": "quality_review", "reason": "handover of weekly panel"},
                              {"format": "csv"})
            return
        old = [tk for tk in e.recent if tk.closed is not None and tk.closed < t and tk.cust is not None]
        for tk in old[-R.randrange(3, 10):]:
            t += R.randrange(2, 10) * MIN
            self.act(t, e, "customer.view", "customer", self.cid(tk.cust), fields=["name", "orders"],
                     purpose={"ticket": tk.id, "code": "quality_review"})

    # ------------------------------------------------------------ insiders at work
    def covered(self, ins):
        """Does this illegitimate act carry a plausible-looking purpose?"""
        c = self.a.cover
        p = (0.35 + 0.6 * c) if ins.subtle else 0.2 * c
        return self.R.random() < p

    def mal(self, ins, t, custs=()):
        """Record one malicious event of an insider (for truth.json)."""
        if ins.first is None:
            ins.first = t
        ins.last = max(ins.last or t, t)
        ins.n_mal += 1
        for c in custs:
            ins.custs.add(c)
            if c in self.honey:
                ins.honey_hits.add(c)

    def size(self, ins, lo_s, hi_s, lo_b, hi_b):
        lo, hi = (lo_s, hi_s) if ins.subtle else (lo_b, hi_b)
        return max(1, round(self.R.randint(lo, hi) * self.a.intensity))

    def insiders_day(self, d):
        """Decide and run today's malicious sessions for each active insider."""
        R = self.R
        for ins in self.insiders:
            e = ins.emp
            if d < ins.start_day or d > ins.end_day:
                continue
            if e.leave_t is not None and d * DAY > e.leave_t:
                continue
            if e.hire_day is not None and d <= e.hire_day:
                continue
            sh = self.today_shift.get(e.idx)
            # planned reactivations (blatant path)
            for item in list(ins.todo):
                due, what, s = item
                if due >= (d + 1) * DAY:
                    continue
                t = None
                if sh and due < sh[1] - 10 * MIN:
                    t = max(due, sh[0] + R.randrange(10, 90) * MIN)
                    t = min(t, sh[1] - MIN)
                elif not ins.subtle and sh is None and due < d * DAY + 20 * HOUR and R.random() < 0.5:
                    t = max(due, d * DAY + R.randrange(18 * HOUR, 23 * HOUR))
                    self.home_login(e, t - 3 * MIN)
                if t is not None and t >= self.floor:
                    ins.todo.remove(item)
                    self.m_reactivate(ins, t, s)
            beh = ins.behaviors & {"leak", "delete", "waiver", "harvest", "snoop", "exfil"}
            if not beh:
                continue
            force = ins.n_mal == 0
            if "exfil" in beh and not ins.subtle and e.leave_day - d <= 3 and not ins.acts["export"]:
                force = True          # the final grab before the last day
            if sh:
                p = ins.rate / 5.0
                if "exfil" in beh:
                    p = 0.85
                if not (force or R.random() < p):
                    continue
                st, en = sh
                if ins.subtle or R.random() < 0.6:
                    t = st + R.randrange(20 * MIN, max(20 * MIN + 1, en - st - 40 * MIN))
                else:
                    t = max(st, en - R.randrange(5, 40) * MIN)       # end of shift, or after it
                    if R.random() < 0.5:
                        t = en + R.randrange(10, 120) * MIN
                        self.home_login(e, t - 2 * MIN)
            else:
                if ins.subtle or R.random() > ins.rate / 25.0:
                    continue
                t = d * DAY + R.randrange(14 * HOUR, 23 * HOUR)    # off day, from home
                self.home_login(e, t - 2 * MIN)
            for b in sorted(beh):
                if b == "leak":
                    self.m_leak(ins, t, d)
                elif b == "delete":
                    self.m_delete(ins, t, d)
                elif b == "waiver":
                    if R.random() < 0.5 or force:
                        self.m_waiver(ins, t)
                elif b == "harvest":
                    self.m_harvest(ins, t, d)
                elif b == "snoop":
                    self.m_snoop(ins, t)
                elif b == "exfil":
                    self.m_exfil(ins, t, d)
                t += R.randrange(5, 40) * MIN

    def home_login(self, e, t):
        if t >= self.floor:
            self.act(t, e, "auth.login", attrs={"ip": f"100.{self.R.randrange(64, 127)}.{self.R.randrange(256)}.{self.R.randrange(256)}",
                                                "device": e.device if self.R.random() < 0.5 else f"byod-{e.idx:04x}",
                                                "vpn": True}, tool="sso")

    def cover_ticket(self, ins, t, seller=None):
        """A real ticket the insider holds that can be cited as a pretext."""
        cands = [tk for tk in ins.emp.recent if tk.opened < t - MIN and (seller is None or tk.seller == seller)]
        return self.R.choice(cands) if cands else None

    def leak_pool(self, ins, t):
        """Customers an insider's broker wants: negative reviewers, reviewers, then buyers."""
        out = []
        for s in ins.sellers:
            neg = [self.r_cust[r] for r in reversed(self.sel_neg[s]) if self.r_time[r] < t]
            allr = [self.r_cust[r] for r in reversed(self.sel_reviews[s]) if self.r_time[r] < t and self.r_kind[r] in (0, 4)]
            buy = [self.o_cust[o] for o in reversed(self.sel_orders[s][-800:]) if self.o_time[o] < t]
            out.extend(neg + allr + buy)
        seen = set()
        res = []
        for c in out:
            if c not in seen and c not in ins.done:
                seen.add(c)
                res.append(c)
        return res

    def m_leak(self, ins, t, d):
        """Data sale: look up the beneficiary's (negative) reviewers/buyers and copy their contacts."""
        R = self.R
        e = ins.emp
        pool = self.leak_pool(ins, t)
        if not pool:
            return
        n = self.size(ins, 1, 3, 4, 14)
        if not ins.subtle and R.random() < 0.3 and len(pool) > 5:
            ids = pool[: R.randrange(10, 40)]
            s = ins.sellers[0]
            if self.act(t, e, "customer.search", targets=[self.cid(c) for c in ids], fields=["name", "email", "phone"],
                        attrs={"query": f"reviews.seller:{self.sel_id[s]} rating<=2"}):
                self.mal(ins, t, ids)
                ins.acts["search"] += 1
                ins.done.update(ids)
            t += R.randrange(1, 5) * MIN
            pool = [c for c in pool if c not in ins.done]
        gap = (4 * MIN, 25 * MIN) if ins.subtle else (20 * SEC, 2 * MIN)
        kam = e.first_key == "sellerops"
        for c in pool[:n]:
            pur = None
            if self.covered(ins):
                tk = self.cover_ticket(ins, t, ins.sellers[0] if kam else None)
                if tk is not None:
                    pur = {"ticket": tk.id, "code": "seller_request" if kam else "customer_request"}
            fields = R.choice((["name", "phone"], ["name", "phone", "address"])) if ins.subtle else \
                ["name", "email", "phone", "address", "orders"]
            if self.act(t, e, "customer.view", "customer", self.cid(c), fields=fields, purpose=pur):
                self.mal(ins, t, [c])
                ins.acts["view"] += 1
            ins.done.add(c)
            if R.random() < 0.2:
                os_ = [o for o in self.sel_orders[ins.sellers[0]][-400:] if self.o_cust[o] == c and self.o_time[o] < t]
                if os_:
                    t += R.randrange(10, 60) * SEC
                    if self.act(t, e, "order.view", "order", self.oid(os_[-1]), purpose=pur,
                                attrs={"customer": self.cid(c), "seller": self.sel_id[ins.sellers[0]]}):
                        self.mal(ins, t, [c])
            t += R.randrange(*gap)

    def m_delete(self, ins, t, d):
        """Review deletion: remove fresh negative reviews of the beneficiary seller."""
        R = self.R
        e = ins.emp
        s = R.choice(ins.sellers)
        cands = [r for r in reversed(self.sel_neg[s]) if not self.r_deleted[r] and self.r_time[r] < t - 30 * MIN]
        n = self.size(ins, 1, 2, 3, 8)
        for r in cands[:n]:
            pur = None
            reason = R.choice(("off_topic", "abuse", "spam")) if ins.subtle else R.choice(("other", "spam", "off_topic"))
            if "peek" in ins.behaviors and R.random() < 0.6:
                c = self.r_cust[r]
                if self.act(t, e, "customer.view", "customer", self.cid(c), fields=["name", "email", "reviews"]):
                    self.mal(ins, t, [c])
                    ins.acts["view"] += 1
                t += R.randrange(30, 180) * SEC
            if self.covered(ins):
                # the seller files a dispute on that review; the insider takes and grants it
                topen = max(self.floor, self.r_time[r] + 5 * MIN, t - R.randrange(30, 300) * MIN)
                if topen < t - 2 * MIN:
                    tk = self.open_ticket(topen, "seller", "review_dispute", None, seller=s, review=r,
                                          topic="seller_dispute", channel="seller-hub")
                    if tk is not None:
                        self.act(t - MIN, e, "ticket.assign", "ticket", tk.id)
                        tk.assignee = e
                        pur = {"ticket": tk.id, "code": "seller_request"}
                        reason = "seller_request" if R.random() < 0.4 else reason
            if self.act(t, e, "review.delete", "review", self.rid(r), purpose=pur, attrs={"reason": reason}):
                self.mal(ins, t)
                ins.acts["delete"] += 1
                self.mark_deleted(r, 2, t)
                if pur:
                    self.close(self.tickets[int(pur["ticket"][5:]) - self.ticket0], e, t + R.randrange(1, 4) * MIN, "removed")
            t += R.randrange(3, 30) * MIN if ins.subtle else R.randrange(20, 120) * SEC

    def m_reactivate(self, ins, t, s):
        """Reactivation abuse (blatant path): reinstate a banned beneficiary without an appeal."""
        R = self.R
        e = ins.emp
        if self.banned[s] is None:
            return
        pur = None
        attrs = {}
        if self.covered(ins):
            tk = self.cover_ticket(ins, t)
            if tk is not None:
                pur = {"ticket": tk.id, "code": "seller_request"}
                if R.random() < 0.5:
                    attrs["appeal"] = tk.id        # cites an unrelated ticket as the appeal
        if self.act(t, e, "account.reactivate", "seller", self.sel_id[s], purpose=pur, attrs=attrs):
            self.banned[s] = None
            self.mal(ins, t)
            ins.acts["reactivate"] += 1

    def m_reinstate_appeal(self, tk, e, t):
        """Reactivation abuse (subtle path): grab the seller's appeal, reinstate, no four-eyes."""
        R = self.R
        ins = e.ins
        s = tk.seller
        self.assign(tk, e, t)
        t += R.randrange(3, 25) * MIN
        if self.banned[s] is None:
            return self.close(tk, e, t, "moot")
        if self.act(t, e, "account.reactivate", "seller", self.sel_id[s],
                    purpose={"ticket": tk.id, "code": "seller_request"}, attrs={"appeal": tk.id}):
            self.banned[s] = None
            self.mal(ins, t)
            ins.acts["reactivate"] += 1
        self.close(tk, e, t + R.randrange(1, 5) * MIN, "reinstated")

    def m_waiver(self, ins, t):
        """Custom action: fee waivers for the beneficiary seller (ring A's account manager)."""
        R = self.R
        e = ins.emp
        s = ins.sellers[0]
        pur = None
        if self.covered(ins):
            tk = self.cover_ticket(ins, t, s)
            if tk is not None:
                pur = {"ticket": tk.id, "code": "seller_request"}
        if self.act(t, e, "x.seller.fee_waiver", "seller", self.sel_id[s], purpose=pur,
                    attrs={"amount": round(R.uniform(300, 2500), 2), "currency": "EUR",
                           "reason": R.choice(("kam_goodwill", "promo_compensation", "other"))}):
            self.mal(ins, t)
            ins.acts["waiver"] += 1

    def m_harvest(self, ins, t, d):
        """Volume harvesting: population-wide searches copied to a broker."""
        R = self.R
        e = ins.emp
        k = 1 if ins.subtle else R.randrange(2, 5)
        for _ in range(k):
            n = self.size(ins, 10, 35, 50, 180)
            pop = len(self.cust_id)
            ids = set()
            while len(ids) < n:
                c = R.randrange(self.C)
                if R.random() < 0.004 and self.honey:
                    c = R.choice(self.honey_list)    # the sweep does not know decoys
                ids.add(c)
            ids = sorted(ids)
            pur = None
            if self.covered(ins):
                tk = self.cover_ticket(ins, t)
                if tk is not None:
                    pur = {"ticket": tk.id, "code": "customer_request"}
            q = f"city:{R.choice(CITIES)} orders>={R.randrange(1, 6)}"
            fields = ["name", "email", "phone"] if ins.subtle else ["name", "email", "phone", "address"]
            if self.act(t, e, "customer.search", targets=[self.cid(c) for c in ids], fields=fields, purpose=pur,
                        attrs={"query": q}):
                self.mal(ins, t, ids)
                ins.acts["search"] += 1
            t += R.randrange(5, 50) * MIN

    def m_snoop(self, ins, t):
        """Curiosity: the same few customers looked up again and again, no ticket."""
        R = self.R
        e = ins.emp
        if self.honey and not any(c in self.honey for c in ins.snoop_set) and R.random() < 0.15:
            ins.snoop_set.append(R.choice(self.honey_list))
        for c in R.sample(ins.snoop_set, min(len(ins.snoop_set), R.randrange(1, 3))):
            pur = None
            if self.covered(ins):
                tk = self.cover_ticket(ins, t)
                if tk is not None:
                    pur = {"ticket": tk.id, "code": "customer_request"}
            if self.act(t, e, "customer.view", "customer", self.cid(c), fields=["name", "address", "phone", "orders"],
                        purpose=pur):
                self.mal(ins, t, [c])
                ins.acts["view"] += 1
            t += R.randrange(1, 15) * MIN

    def m_exfil(self, ins, t, d):
        """Departing employee: grabs top customers before leaving (views/searches, then export)."""
        R = self.R
        e = ins.emp
        pool = []
        for c in self.vip:
            if c not in ins.done:
                pool.append(c)
                if len(pool) >= 5000:
                    break
        if not pool:
            return
        last_days = e.leave_day - d
        if ins.subtle:
            n = self.size(ins, 10, 30, 10, 30)
            for c in pool[:n]:
                pur = None
                if self.covered(ins):
                    old = [tk for tk in e.recent if tk.opened < t]
                    if old:
                        pur = {"ticket": R.choice(old).id, "code": "quality_review"}
                if self.act(t, e, "customer.view", "customer", self.cid(c), fields=["name", "email", "phone"], purpose=pur):
                    self.mal(ins, t, [c])
                    ins.acts["view"] += 1
                ins.done.add(c)
                t += R.randrange(2, 12) * MIN
            if R.random() < 0.3:
                ids = pool[n: n + self.size(ins, 15, 40, 15, 40)]
                if ids and self.act(t, e, "customer.search", targets=[self.cid(c) for c in ids],
                                    fields=["name", "email"], attrs={"query": "segment:top_spenders"}):
                    self.mal(ins, t, ids)
                    ins.done.update(ids)
                    ins.acts["search"] += 1
            return
        if last_days <= 3 and (not ins.acts["export"] or R.random() < 0.3):
            ids = pool[: self.size(ins, 1500, 4000, 1500, 4000)]
            if self.bulk(t, e, "customer.export", [self.cid(c) for c in ids], ["name", "email", "phone", "address", "orders"],
                         None, {"format": "xlsx", "query": "segment:top_spenders"}):
                self.mal(ins, t, ids)
                ins.done.update(ids)
                ins.acts["export"] += 1
            return
        ids = pool[: self.size(ins, 100, 300, 100, 300)]
        if self.act(t, e, "customer.search", targets=[self.cid(c) for c in ids], fields=["name", "email", "phone"],
                    attrs={"query": f"segment:top_spenders page:{R.randrange(1, 30)}"}):
            self.mal(ins, t, ids)
            ins.done.update(ids)
            ins.acts["search"] += 1

    # ------------------------------------------------------------ run
    def run(self):
        a = self.a
        t_start = wallclock.time()
        os.makedirs(a.out, exist_ok=True)
        self.pending_honey = []
        self.honey_reviews = []
        self.honey_list = []
        self.build_world()
        self.build_org()
        self.plan_stories()
        self.plan_insiders()
        self.plan_shifts()
        for e in self.emps:
            self.set_actor(e, max(0, e.hire_day + 1) if e.hire_day is not None else 0)
        with open(os.path.join(a.out, "events.jsonl"), "w", encoding="utf-8") as out:
            for d in range(self.days):
                self.floor = d * DAY
                self.hr_day(d)
                self.market_day(d)
                self.start_shifts(d)
                self.route(d)
                self.autonomous(d)
                self.insiders_day(d)
                self.flush(d, out)
            self.floor = self.END
        self.write_truth(wallclock.time() - t_start)

    def write_truth(self, secs):
        a = self.a
        ins_out, details = [], []
        for i in self.insiders:
            if i.n_mal == 0:
                self.dropped_insiders.append(i.emp.id)
                continue
            ins_out.append({"employee": i.emp.id, "scenario": i.scenario, "start": self.ts(i.first),
                            "end": self.ts(i.last), "sellers": [self.sel_id[s] for s in i.sellers],
                            "customers": sorted(self.cid(c) for c in i.custs)})
            details.append({"employee": i.emp.id, "scenario": i.scenario, "ring": i.ring,
                            "behaviors": sorted(i.behaviors), "subtle": i.subtle, "sessions_per_week": i.rate,
                            "role": i.emp.first_key, "site": i.emp.first_site, "vendor": i.emp.vendor,
                            "hired_in_window": i.emp.hire_day is not None,
                            "leaves": i.emp.leave_reason, "malicious_events": i.n_mal,
                            "customers": len(i.custs), "honeytoken_hits": len(i.honey_hits),
                            "acts": dict(i.acts), "start": self.ts(i.first), "end": self.ts(i.last)})
        truth = {"seed": a.seed, "start": self.ts(0), "end": self.ts(self.END),
                 "employees": len(self.emps), "insiders": ins_out,
                 "honeytokens": sorted(self.cid(c) for c in self.honey)}
        with open(os.path.join(a.out, "truth.json"), "w") as f:
            json.dump(truth, f, indent=1)
        leavers = Counter(e.leave_reason for e in self.emps if e.leave_reason and e.leave_t is not None
                          and e.leave_t < self.END)
        stats = {"generator": "market4", "args": vars(a), "seconds": round(secs, 1), "events": self.nout,
                 "by_action": dict(sorted(self.counts.items())),
                 "employees": len(self.emps), "hires_in_window": sum(1 for e in self.emps if e.hire_day is not None),
                 "leavers": dict(leavers),
                 "headcount": dict(Counter(f"{e.first_key}@{e.first_site}" for e in self.emps)),
                 "customers": self.C, "extra_accounts": len(self.cust_id) - self.C, "sellers": self.S,
                 "orders": len(self.o_cust), "reviews": len(self.r_cust), "tickets": len(self.tickets),
                 "sale_week_days": list(self.sale) if self.sale else None, "reorg_day": self.reorg,
                 "honeytokens": len(self.honey), "lookalikes": self.lookalikes,
                 "review_manipulators": len(self.manip), "rings": self.ring_sellers,
                 "insiders": details, "dropped_insiders_without_events": self.dropped_insiders}
        with open(os.path.join(a.out, "stats.json"), "w") as f:
            json.dump(stats, f, indent=1)


def main():
    p = argparse.ArgumentParser(description="market4: independent Custos test-data generator")
    p.add_argument("--employees", type=int, default=1000)
    p.add_argument("--customers", type=int, default=60000)
    p.add_argument("--sellers", type=int, default=1500)
    p.add_argument("--days", type=int, default=90)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--intensity", type=float, default=1.0, help="how much insiders do (rates, batch sizes)")
    p.add_argument("--cover", type=float, default=0.5, help="0..1: share of subtle insiders and of covered acts")
    p.add_argument("--out", required=True)
    a = p.parse_args()
    if a.employees < 60 or a.customers < 2000 or a.sellers < 100 or a.days < 7:
        sys.exit("need at least --employees 60 --customers 2000 --sellers 100 --days 7")
    a.cover = min(1.0, max(0.0, a.cover))
    a.intensity = max(0.05, a.intensity)
    Gen(a).run()


if __name__ == "__main__":
    main()
