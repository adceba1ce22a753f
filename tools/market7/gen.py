#!/usr/bin/env python3
"""market7 -- "Kestrel Market" Trust & Care world generator for Custos.

Standard library only.  Writes DIR/events.jsonl, DIR/truth.json, DIR/stats.json.
See README.md for the world, the insider stories and the look-alikes.
"""

import argparse
import heapq
import json
import math
import os
import random
import sys
import time
from collections import deque
from datetime import datetime, timedelta, timezone
from itertools import accumulate

DAY = 86_400_000
HOUR = 3_600_000
MIN = 60_000
SEC = 1_000
START = datetime(2026, 3, 2, tzinfo=timezone.utc)  # a Monday
MASK = (1 << 64) - 1
B32 = "0123456789abcdefghjkmnpqrstvwxyz"


def b32(n, w):
    out = []
    for _ in range(w):
        n, r = divmod(n, 32)
        out.append(B32[r])
    return "".join(out)


def mix64(x):
    # a bijection on 64-bit integers (splitmix finaliser): unique and unordered
    x = (x + 0x9E3779B97F4A7C15) & MASK
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & MASK
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & MASK
    x ^= x >> 31
    return x


def poisson(rng, lam):
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, int(rng.gauss(lam, math.sqrt(lam)) + 0.5))
    lim = math.exp(-lam)
    k = 0
    p = rng.random()
    while p > lim:
        k += 1
        p *= rng.random()
    return k


def wpick(rng, items):
    """items: list of (value, weight)"""
    tot = 0.0
    for _, w in items:
        tot += w
    x = rng.random() * tot
    for v, w in items:
        x -= w
        if x <= 0:
            return v
    return items[-1][0]


# --------------------------------------------------------------------------
# world constants
# --------------------------------------------------------------------------

SITES = {"MNL": "10.41", "KRK": "10.52", "LIS": "10.63", "AUS": "10.74"}
# care shifts in UTC minutes
CARE_SHIFTS = {"MNL": [(0, 540), (780, 1320)], "LIS": [(480, 1020), (690, 1230)],
               "AUS": [(840, 1380)]}
OFFICE = {"MNL": (60, 600), "KRK": (420, 930), "LIS": (510, 1050), "AUS": (840, 1350)}

# kind, role, weight per ~880 staff, minimum
ROLES = [
    ("t1", "care-associate", 400, 18),
    ("lead", "care-lead", 32, 2),
    ("t2", "care-specialist", 75, 4),
    ("principal", "care-principal", 6, 1),
    ("intern", "care-intern", 20, 2),
    ("newhire", "care-associate", 15, 1),
    ("mm", "merchant-manager", 65, 3),
    ("onb", "onboarding-analyst", 22, 1),
    ("mod", "content-moderator", 45, 4),
    ("modlead", "moderation-lead", 5, 1),
    ("appeals", "appeals-officer", 12, 3),
    ("brand", "brand-analyst", 24, 2),
    ("risk", "risk-investigator", 38, 3),
    ("policy", "policy-specialist", 22, 2),
    ("privacy", "privacy-analyst", 12, 1),
    ("legal", "legal-ops", 7, 1),
    ("data", "data-engineer", 14, 2),
    ("wfm", "wfm-analyst", 9, 1),
]
TOOLS = {"t1": "care-desk", "intern": "care-desk", "t2": "care-desk", "lead": "care-desk-sup",
         "principal": "ops-console", "mm": "merchant-hub", "onb": "merchant-hub", "mod": "modq",
         "modlead": "modq", "appeals": "trust-workbench", "brand": "trust-workbench",
         "risk": "trust-workbench", "policy": "trust-workbench", "privacy": "privacy-portal",
         "legal": "le-portal", "data": "sql-gateway", "wfm": "wfm-planner"}
CARE_KINDS = ("t1", "intern", "t2", "lead", "principal")

CATEGORIES = ["electronics", "home", "beauty", "toys", "fashion", "sports", "grocery", "books",
              "auto", "pets", "garden", "baby"]

# topic, weight, fields disclosed, resolutions
TOPICS = {
    "order_issue": [("wismo", .34, ["name", "orders", "address"], ["carrier_claim", "info_given", "delivered_info"]),
                    ("damaged", .18, ["name", "email", "orders"], ["refund_issued", "replacement_sent"]),
                    ("refund_status", .22, ["name", "orders", "payment"], ["info_given", "refund_issued"]),
                    ("wrong_item", .12, ["name", "orders", "address"], ["return_label_sent", "replacement_sent"]),
                    ("cancel", .14, ["name", "orders"], ["cancelled", "info_given"])],
    "account": [("login", .35, ["account", "email", "phone"], ["password_reset", "mfa_reset"]),
                ("email_change", .2, ["account", "email"], ["updated"]),
                ("address_change", .2, ["name", "address"], ["updated"]),
                ("payment_method", .15, ["account", "payment"], ["updated", "info_given"]),
                ("close_account", .1, ["name", "email", "account"], ["closed", "retained"])],
    "other": [("promo_code", .5, ["name", "account"], ["voucher_issued", "info_given"]),
              ("general", .5, ["name", "email"], ["info_given"])],
    "fraud_report": [("seller_scam", 1.0, ["name", "email", "orders"], ["sent_to_risk"])],
}
TOPIC_INFO = {}
for _k, _lst in TOPICS.items():
    for _t, _w, _f, _r in _lst:
        TOPIC_INFO[_t] = (_k, _f, _r)
KIND_W = [("order_issue", .6), ("account", .2), ("other", .14), ("fraud_report", .06)]

HOUR_W = [2, 1.5, 1.2, 1, 1.2, 1.8, 2.5, 3.2, 3.8, 4, 4.2, 4.5, 4.8, 5, 5.2, 5.5, 5.6, 5.8, 6, 6.2,
          5.8, 5, 4, 3]
HOUR_CUM = list(accumulate(HOUR_W))
WEEKDAY_F = [1.0, 0.97, 0.95, 0.98, 1.05, 1.2, 1.15]

# insiders: the order stories are handed out in
STORY_ORDER = ["data_sale", "review_removal", "seller_reinstatement", "broker_ring",
               "supervisor_abuse", "pre_departure_export", "slow_drip", "portfolio_leak",
               "data_sale", "review_removal", "seller_reinstatement", "slow_drip"]


class Emp:
    __slots__ = ("i", "id", "kind", "role", "team", "site", "shift", "off", "work", "hire", "leave",
                 "leave_reason", "since", "ip", "dev", "actor", "tool", "speed", "ins", "portfolio",
                 "project", "pending", "qa_wd", "newhire", "wfh")

    def set_actor(self):
        self.actor = {"type": "employee", "id": self.id, "role": self.role, "team": self.team,
                      "site": self.site}
        self.tool = TOOLS[self.kind]


class Tk:
    __slots__ = ("id", "kind", "topic", "cust", "sel", "order", "open", "channel", "review",
                 "claimed", "owner", "closed", "flag")

    def __init__(self, tid, kind, topic, cust, sel, order, opened, channel):
        self.id = tid
        self.kind = kind
        self.topic = topic
        self.cust = cust
        self.sel = sel
        self.order = order
        self.open = opened
        self.channel = channel
        self.review = None
        self.claimed = False
        self.owner = None
        self.closed = False
        self.flag = None


class Ctx:
    __slots__ = ("e", "session", "ip", "dev", "start", "end", "cases", "peeks", "home")


class Q:
    """time-ordered work queue: items become available at their time"""

    def __init__(self):
        self.h = []
        self.n = 0

    def push(self, avail, item):
        self.n += 1
        heapq.heappush(self.h, (avail, self.n, item))

    def pop(self, t):
        h = self.h
        while h:
            a, _, it = h[0]
            if a >= t:
                return None
            heapq.heappop(h)
            if it.claimed or it.closed:
                continue
            return it
        return None

    def __len__(self):
        return len(self.h)


class Insider:
    def __init__(self, idx, story, e):
        self.idx = idx
        self.story = story
        self.e = e
        self.subtle = False
        self.sellers = []
        self.targets_from = []
        self.a0 = 0
        self.a1 = 0
        self.force_day = None
        self.acts = 0
        self.customers = set()
        self.times = []
        self.event_ids = []
        self.by_action = {}
        self.honey = None
        self.honey_done = False
        self.ring = None
        self.claimed = []
        self.p_day = 0.0
        self.note = ""
        self.sessions = 0
        self.offhours = 0
        self.covered = 0
        self.final_done = False
        self.workdays = []


class Out:
    def __init__(self, path, days, key):
        self.f = open(path, "w", encoding="utf-8", buffering=1 << 20)
        self.days = days
        self.b = [[] for _ in range(days + 1)]
        self.cur = 0
        self.seq = 0
        self.n = 0
        self.key = key
        self.daystr = [(START + timedelta(days=i)).strftime("%Y-%m-%d") for i in range(days + 1)]
        self.mal = {}
        self.counts = {}
        self.emps = set()
        self.dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode

    def put(self, t, ev):
        d = t // DAY
        if d >= self.days:
            return None
        if d < self.cur:
            raise RuntimeError("event generated in an already written day: %d < %d (%s)" %
                               (d, self.cur, ev.get("action")))
        self.seq += 1
        self.b[d].append((t, self.seq, ev))
        return ev

    def ts(self, t):
        d, r = divmod(t, DAY)
        h, r = divmod(r, HOUR)
        m, r = divmod(r, MIN)
        s, ms = divmod(r, SEC)
        return "%sT%02d:%02d:%02d.%03dZ" % (self.daystr[d], h, m, s, ms)

    def flush(self, d):
        bucket = self.b[d]
        self.b[d] = None
        bucket.sort()
        lines = []
        enc = self.dumps
        counts = self.counts
        mal = self.mal
        emps = self.emps
        key = self.key
        for t, _, ev in bucket:
            self.n += 1
            eid = "k7e-%016x" % mix64(self.n ^ key)
            ev["id"] = eid
            ts = self.ts(t)
            ev["time"] = ts
            a = ev["action"]
            counts[a] = counts.get(a, 0) + 1
            act = ev["actor"]
            if act["type"] == "employee":
                emps.add(act["id"])
            else:
                tg = ev.get("target")
                if tg is not None and tg["type"] == "employee":
                    emps.add(tg["id"])
            if mal:
                ins = mal.pop(id(ev), None)
                if ins is not None:
                    ins.event_ids.append(eid)
                    ins.times.append((t, ts))
            lines.append(enc(ev))
        if lines:
            self.f.write("\n".join(lines))
            self.f.write("\n")
        self.cur = d + 1

    def close(self):
        self.f.close()


# --------------------------------------------------------------------------
# the world
# --------------------------------------------------------------------------

class World:
    def __init__(self, a):
        self.a = a
        self.E = a.employees
        self.NC = a.customers
        self.NS = a.sellers
        self.days = a.days
        self.intensity = max(0.0, a.intensity)
        self.cover = min(1.0, max(0.0, a.cover))
        seed = a.seed
        self.rs = random.Random(seed * 1000003 + 11)   # setup
        self.rm = random.Random(seed * 1000003 + 23)   # marketplace
        self.rw = random.Random(seed * 1000003 + 37)   # staff work
        self.ri = random.Random(seed * 1000003 + 51)   # insiders
        _j = random.Random(seed * 1000003 + 67).random
        self.jit = lambda: int(_j() * 997)
        self.used = set()
        self.look = []          # look-alike records
        self.lstats = {}
        self.sys_actor = {}
        self.setup()

    # ---------------------------------------------------------------- ids
    def uid(self, fn):
        while True:
            s = fn()
            if s not in self.used:
                self.used.add(s)
                return s

    def tid(self, prefix, r=None):
        r = r or self.rw
        while True:
            s = "%s-%d" % (prefix, r.randrange(1000000, 9999999))
            if s not in self.used:
                self.used.add(s)
                return s

    def sess(self, r=None):
        r = r or self.rw
        return "ss-" + b32(r.getrandbits(50), 10)

    def sysa(self, name):
        a = self.sys_actor.get(name)
        if a is None:
            a = self.sys_actor[name] = {"type": "system", "id": name}
        return a

    def lk(self, kind, n=1):
        self.lstats[kind] = self.lstats.get(kind, 0) + n

    # ---------------------------------------------------------------- setup
    def setup(self):
        rs = self.rs
        NC, NS, days = self.NC, self.NS, self.days
        # customers
        self.cust_id = [self.uid(lambda: "byr%08d" % rs.randrange(10 ** 8)) for _ in range(NC)]
        w = [rs.lognormvariate(0, 1.0) for _ in range(NC)]
        nh = max(3, NC // 2000)
        self.honey = rs.sample(range(NC), nh)
        self.honey_set = set(self.honey)
        for h in self.honey:
            w[h] = 0.0
        self.ccum = list(accumulate(w))
        self.cidx = list(range(NC))
        self.cbuf = []
        self.cust_orders = [None] * NC
        self.cban = {}
        # sellers
        self.sel_id = [self.uid(lambda: "shop-" + b32(rs.getrandbits(30), 6)) for _ in range(NS)]
        ranks = list(range(NS))
        rs.shuffle(ranks)
        self.srank = ranks  # seller -> popularity rank
        self.spop = [1.0 / (r + 3) ** 0.85 for r in ranks]
        self.by_rank = sorted(range(NS), key=lambda s: ranks[s])
        self.scat = [rs.choice(CATEGORIES) for _ in range(NS)]
        self.squal = [min(4.7, max(2.8, rs.gauss(4.05, 0.35))) for _ in range(NS)]
        self.srevrate = [rs.uniform(0.09, 0.18) for _ in range(NS)]
        ents = []
        self.sent = [None] * NS
        s = 0
        order = list(range(NS))
        rs.shuffle(order)
        while s < NS:
            k = 1 if rs.random() < 0.9 else rs.randint(2, 5)
            le = self.uid(lambda: "le-" + b32(rs.getrandbits(30), 6))
            ents.append(le)
            for j in order[s:s + k]:
                self.sent[j] = le
            s += k
        self.sprod = [[self.uid(lambda: "sku-" + b32(rs.getrandbits(35), 7))
                       for _ in range(rs.randint(2, 12))] for _ in range(NS)]
        self.sban = [0] * NS
        self.sstamp = [0] * NS     # time of the last ban/suspend/reactivate (events are generated out of order)
        self.s_orders = [[] for _ in range(NS)]
        self.s_reviews = [[] for _ in range(NS)]
        # orders / reviews storage
        self.o_id = []
        self.o_cust = []
        self.o_sel = []
        self.o_time = []
        self.day_ostart = [0] * (days + 1)
        self.r_id = []
        self.r_cust = []
        self.r_sel = []
        self.r_time = []
        self.r_rating = []
        self.r_live = bytearray()
        self.rstamp = []
        self.r_deltime = {}
        self.r_disputed = set()
        self.base_orders = NC * 0.05
        self.special = set()
        self.plan_events()
        self.build_staff()
        self.plan_insiders()
        self.plan_hr()
        self.build_schedules()
        self.finish_sellers()

    def pick_rank(self, lo, hi, exclude):
        lo = max(0, int(lo))
        hi = max(lo + 1, int(hi))
        hi = min(hi, self.NS)
        for _ in range(200):
            s = self.by_rank[self.rs.randrange(lo, hi)]
            if s not in exclude:
                return s
        for s in self.by_rank:
            if s not in exclude:
                return s
        raise RuntimeError("no seller")

    def plan_events(self):
        rs = self.rs
        d = self.days
        self.promo = (int(d * 0.3), int(d * 0.3) + (5 if d >= 30 else 2))
        self.outage = max(2, int(d * 0.38))
        self.outage_inc = "INC-%d" % rs.randrange(10000, 99999)
        self.p1 = max(3, int(d * 0.45))            # policy sweep ban wave
        self.p2 = min(d - 2, self.p1 + (5 if d >= 21 else 3))  # policy rollback
        self.sweep_day = max(4, int(d * 0.6))      # brand protection sweep
        self.bi = max(2, int(d * 0.33))            # big fraud investigation
        self.subpoena = min(d - 2, self.bi + 5)
        self.audit_day = max(3, int(d * 0.65))     # supervisor QA audit
        self.regulator_day = max(3, int(d * 0.7))
        self.reorg_day = int(d * 0.5)
        self.mig = (max(1, int(d * 0.25)), max(2, int(d * 0.25) + max(2, int(d * 0.2))))
        NS = self.NS
        ex = self.special
        # counterfeit seller hit by the brand sweep; fake-review ring
        self.cseller = self.pick_rank(NS * 0.02, NS * 0.15, ex)
        ex.add(self.cseller)
        self.squal[self.cseller] = 4.4
        self.ring_custs = [self.rs.randrange(self.NC) for _ in range(max(15, self.NC // 800))]
        self.ring_custs = [c for c in self.ring_custs if c not in self.honey_set]
        # scam seller of the big investigation
        self.scam = self.pick_rank(NS * 0.01, NS * 0.08, ex)
        ex.add(self.scam)
        self.squal[self.scam] = 2.9

    # ---------------------------------------------------------------- staff
    def build_staff(self):
        rs = self.rs
        E = self.E
        W = sum(r[2] for r in ROLES)
        counts = {}
        for kind, role, w, mn in ROLES:
            counts[kind] = max(mn, int(E * w / W))
        tot = sum(counts.values())
        counts["t1"] += E - tot
        if counts["t1"] < 10:
            raise SystemExit("--employees too small (need at least ~60)")
        self.counts = counts
        emps = []

        def mk(kind, role, team, site, shift, off):
            e = Emp()
            e.i = len(emps)
            e.id = self.uid(lambda: "hr-%06d" % rs.randrange(100000, 1000000))
            e.kind = kind
            e.role = role
            e.team = team
            e.site = site
            e.shift = shift
            e.off = off
            e.hire = 0
            e.leave = None
            e.leave_reason = None
            e.since = (START - timedelta(days=int(rs.expovariate(1 / 900)) + 20)).strftime("%Y-%m-%d")
            e.ip = "%s.%d.%d" % (SITES[site], rs.randrange(1, 250), rs.randrange(2, 254))
            e.dev = "%s-wks-%04d" % (site.lower(), rs.randrange(10000))
            e.speed = rs.uniform(0.75, 1.25)
            e.ins = None
            e.portfolio = None
            e.project = False
            e.pending = []
            e.qa_wd = rs.randrange(5)
            e.newhire = False
            e.wfh = rs.uniform(0.02, 0.2)
            e.set_actor()
            emps.append(e)
            return e

        def care_off():
            k = wpick(rs, [(5, 3), (6, 1), (0, 1), (1, 1), (2, 1), (3, 1), (4, 1)])
            return {k, (k + 1) % 7}

        office_off = {5, 6}
        # tier-1 teams, one lead each
        nlead = counts["lead"]
        t1_total = counts["t1"] + counts["intern"] + counts["newhire"]
        site_w = [("MNL", .45), ("LIS", .25), ("AUS", .30)]
        teams = []
        per_site = {}
        for i in range(nlead):
            site = site_w[i % 3][0] if nlead < 6 else wpick(rs, site_w)
            per_site[site] = per_site.get(site, 0) + 1
            n = per_site[site]
            shifts = CARE_SHIFTS[site]
            shift = shifts[(n - 1) % len(shifts)]
            teams.append(("bc-%s-%02d" % (site.lower(), n), site, shift))
        self.t1_teams = teams
        for (team, site, shift) in teams:
            mk("lead", "care-lead", team, site, shift, care_off())
        tlist = []
        for k in ("t1", "intern", "newhire"):
            for _ in range(counts[k]):
                tlist.append(k)
        for i, k in enumerate(tlist):
            team, site, shift = teams[i % len(teams)]
            e = mk("t1" if k != "intern" else "intern", "care-intern" if k == "intern" else "care-associate",
                   team, site, shift, care_off())
            if k == "newhire":
                e.newhire = True
        for i in range(counts["t2"]):
            site = "KRK" if i % 2 == 0 else "LIS"
            mk("t2", "care-specialist", "bc-tier2-" + site.lower(), site, OFFICE[site], care_off())
        for i in range(counts["principal"]):
            site = "LIS" if i % 2 == 0 else "KRK"
            e = mk("principal", "care-principal", "bc-escalations", site, OFFICE[site], office_off)
            e.since = (START - timedelta(days=rs.randint(2200, 4200))).strftime("%Y-%m-%d")
        regions = [("seller-success-emea", "LIS"), ("seller-success-amer", "AUS"), ("seller-success-apac", "MNL")]
        for i in range(counts["mm"]):
            team, site = regions[i % 3]
            mk("mm", "merchant-manager", team, site, OFFICE[site], office_off)
        for i in range(counts["onb"]):
            mk("onb", "onboarding-analyst", "seller-onboarding", "KRK", OFFICE["KRK"], office_off)
        for i in range(counts["mod"]):
            site = "KRK" if i % 2 == 0 else "MNL"
            mk("mod", "content-moderator", "review-integrity-" + site.lower(), site, OFFICE[site], care_off())
        for i in range(counts["modlead"]):
            site = "KRK" if i % 2 == 0 else "MNL"
            mk("modlead", "moderation-lead", "review-integrity-" + site.lower(), site, OFFICE[site], office_off)
        for i in range(counts["appeals"]):
            site = "LIS" if i % 3 else "AUS"
            mk("appeals", "appeals-officer", "seller-appeals", site, OFFICE[site], office_off)
        for i in range(counts["brand"]):
            site = "KRK" if i % 2 == 0 else "AUS"
            mk("brand", "brand-analyst", "brand-protection", site, OFFICE[site], office_off)
        for i in range(counts["risk"]):
            site = ["KRK", "LIS", "AUS"][i % 3]
            mk("risk", "risk-investigator", "marketplace-risk", site, OFFICE[site], office_off)
        for i in range(counts["policy"]):
            mk("policy", "policy-specialist", "policy-enforcement", "LIS", OFFICE["LIS"], office_off)
        for i in range(counts["privacy"]):
            mk("privacy", "privacy-analyst", "privacy-office", "LIS", OFFICE["LIS"], office_off)
        for i in range(counts["legal"]):
            mk("legal", "legal-ops", "legal-response", "AUS", OFFICE["AUS"], office_off)
        for i in range(counts["data"]):
            site = "KRK" if i % 2 == 0 else "AUS"
            mk("data", "data-engineer", "data-platform", site, OFFICE[site], office_off)
        for i in range(counts["wfm"]):
            site = "MNL" if i % 2 == 0 else "LIS"
            mk("wfm", "wfm-analyst", "workforce-mgmt", site, OFFICE[site], office_off)
        rs.shuffle(emps)
        for i, e in enumerate(emps):
            e.i = i
        self.emps = emps
        self.byid = {e.id: e for e in emps}
        # merchant-manager portfolios: the bigger sellers
        mms = [e for e in emps if e.kind == "mm"]
        nport = min(self.NS, max(len(mms) * 25, self.NS // 3))
        top = self.by_rank[:nport]
        self.s_mm = [None] * self.NS
        for e in mms:
            e.portfolio = []
        for j, s in enumerate(top):
            e = mms[j % len(mms)]
            e.portfolio.append(s)
            self.s_mm[s] = e
        self.mmq = {e.id: Q() for e in mms}
        # data project members
        ds = [e for e in emps if e.kind == "data"]
        for e in rs.sample(ds, max(1, len(ds) // 2)):
            e.project = True

    # ---------------------------------------------------------------- insiders
    def plan_insiders(self):
        ri = self.ri
        rs = self.rs
        days = self.days
        self.insiders = []
        if self.intensity <= 0:
            self.n_ins = 0
            return
        n = max(3, int(round(self.E * 0.01)))
        slots = []
        i = 0
        while len(slots) < n:
            st = STORY_ORDER[i % len(STORY_ORDER)]
            i += 1
            if st == "broker_ring":
                if n - len(slots) >= 2:
                    slots += ["broker_ring", "broker_ring"]
                continue
            slots.append(st)
        self.n_ins = n
        taken = set()
        emps = self.emps

        def choose(kinds, cond=None):
            cands = [e for e in emps if e.kind in kinds and not e.newhire and e.id not in taken
                     and (cond is None or cond(e))]
            if not cands:
                cands = [e for e in emps if e.kind in ("t1", "t2") and not e.newhire and e.id not in taken]
            e = ri.choice(cands)
            taken.add(e.id)
            return e

        ring_done = False
        nsub = int(round(self.cover * n))
        subtle_idx = set(ri.sample(range(n), nsub))
        ds_idx = [k for k, st in enumerate(slots) if st == "data_sale"]
        honey_idx = ds_idx[-1] if ds_idx else None
        ex = self.special
        NS = self.NS
        k = 0
        while k < n:
            st = slots[k]
            if st == "broker_ring":
                e1 = choose(("t2",))
                e2 = choose(("risk",))
                x = self.pick_rank(NS * 0.01, NS * 0.1, ex)
                ex.add(x)
                ring = {"sold": set()}
                for j, e in enumerate((e1, e2)):
                    ins = Insider(k + j, st, e)
                    ins.sellers = [x]
                    ins.targets_from = [x]
                    ins.ring = ring
                    self.insiders.append(ins)
                k += 2
                continue
            if st == "data_sale":
                e = choose(("t1",))
            elif st == "review_removal":
                e = choose(("mod",))
            elif st == "seller_reinstatement":
                e = choose(("appeals",))
            elif st == "supervisor_abuse":
                e = choose(("lead",))
            elif st == "pre_departure_export":
                e = choose(("principal", "t2"), lambda e: e.since < (START - timedelta(days=3 * 365)).strftime("%Y-%m-%d"))
            elif st == "slow_drip":
                e = choose(("t2",))
            elif st == "portfolio_leak":
                e = choose(("mm",), lambda e: len(e.portfolio) >= 3)
            else:
                e = choose(("t1",))
            ins = Insider(k, st, e)
            self.insiders.append(ins)
            k += 1
        for ins in self.insiders:
            ins.subtle = ins.idx in subtle_idx
            e = ins.e
            e.ins = ins
            st = ins.story
            ins.a0 = ri.randint(1, max(1, int(days * 0.35)))
            ins.a1 = days - 1
            if st in ("data_sale", "supervisor_abuse", "slow_drip", "broker_ring"):
                if not ins.sellers:
                    x = self.pick_rank(NS * 0.01, NS * 0.1, ex)
                    ex.add(x)
                    ins.sellers = [x]
                    ins.targets_from = [x]
                if st == "slow_drip":
                    ins.a0 = ri.randint(1, max(1, int(days * 0.15)))
            elif st == "review_removal":
                le = self.uid(lambda: "le-" + b32(rs.getrandbits(30), 6))
                g = []
                for _ in range(3 if NS >= 300 else 2):
                    s = self.pick_rank(NS * 0.01, NS * 0.08, ex)
                    ex.add(s)
                    g.append(s)
                    self.sent[s] = le
                    self.squal[s] = ri.uniform(2.5, 2.9)
                    self.srevrate[s] = 0.22
                ins.sellers = g
                ins.a0 = ri.randint(min(3, days - 2), max(min(3, days - 2), int(days * 0.3)))
            elif st == "seller_reinstatement":
                le = self.uid(lambda: "le-" + b32(rs.getrandbits(30), 6))
                g = []
                for _ in range(ri.randint(4, 6) if NS >= 300 else 3):
                    s = self.pick_rank(NS * 0.1, NS * 0.6, ex)
                    ex.add(s)
                    g.append(s)
                    self.sent[s] = le
                ins.sellers = g
            elif st == "pre_departure_export":
                L = days - (ri.randint(2, 6) if days >= 20 else 2)
                e.leave = L
                e.leave_reason = "resigned"
                ins.a0 = max(1, L - 12)
                ins.a1 = L
                y = self.pick_rank(NS * 0.02, NS * 0.2, ex)
                ex.add(y)
                ins.sellers = [y]
                cat = self.scat[y]
                comp = [s for s in self.by_rank[:max(20, NS // 4)] if self.scat[s] == cat and s not in ex][:4]
                if not comp:
                    comp = [self.pick_rank(0, NS * 0.1, ex)]
                ins.targets_from = comp
            elif st == "portfolio_leak":
                y = ri.choice(e.portfolio[:max(3, len(e.portfolio) // 2)])
                ex.add(y)
                ins.sellers = [y]
                cat = self.scat[y]
                comp = [s for s in self.by_rank[:max(30, NS // 3)]
                        if self.scat[s] == cat and s not in ex and s not in e.portfolio][:5]
                if not comp:
                    comp = [self.pick_rank(0, NS * 0.1, ex | set(e.portfolio))]
                ins.targets_from = comp
            rates = {"data_sale": (0.45, 0.3), "broker_ring": (0.4, 0.25), "review_removal": (0.55, 0.35),
                     "seller_reinstatement": (1.0, 1.0), "supervisor_abuse": (0.4, 0.25),
                     "pre_departure_export": (0.6, 0.4), "slow_drip": (0.3, 0.22),
                     "portfolio_leak": (0.4, 0.3)}[st]
            ins.p_day = min(0.95, (rates[1] if ins.subtle else rates[0]) * self.intensity)
        if honey_idx is not None:
            for ins in self.insiders:
                if ins.idx == honey_idx:
                    ins.honey = self.honey[0]

    # ---------------------------------------------------------------- HR plan
    def plan_hr(self):
        rs = self.rs
        days = self.days
        self.hr_changes = {}   # day -> list of (e, kind, role, team, site)
        self.resigners = []
        # new hires start mid-window, interns start together
        intern_day = max(1, min(days // 6, 12))
        for e in self.emps:
            if e.kind == "intern":
                e.hire = intern_day
                e.since = None
            elif e.newhire:
                e.hire = rs.randint(max(1, days // 10), max(1, days - max(3, days // 6)))
                e.since = None
        # leavers
        pool = [e for e in self.emps if e.ins is None and e.hire == 0]
        nleave = max(1, int(len(self.emps) * 0.03))
        for e in rs.sample(pool, min(nleave, len(pool))):
            e.leave = rs.randint(max(1, int(days * 0.2)), days - 2)
            e.leave_reason = "resigned" if rs.random() < 0.85 else "transferred"
            self.resigners.append(e)
        self.lk("resigned_or_transferred_leavers", len(self.resigners))
        # promotions tier1 -> tier2
        t1 = [e for e in self.emps if e.kind == "t1" and e.ins is None and e.leave is None and e.hire == 0]
        for e in rs.sample(t1, min(len(t1), max(1, len(t1) // 60))):
            d = rs.randint(max(1, days // 5), days - 1)
            site = "KRK" if e.site != "LIS" else "LIS"
            self.hr_changes.setdefault(d, []).append((e, "t2", "care-specialist", "bc-tier2-" + e.site.lower(), e.site))
            self.lk("promotions_t1_to_t2")
        # reorganisation: one tier-1 team becomes a review-integrity team
        self.reorg_team = None
        if days >= 20 and len(self.t1_teams) >= 4:
            cand = [t for t in self.t1_teams
                    if not any(e.ins is not None and e.team == t[0] for e in self.emps)]
            if cand:
                team, site, shift = rs.choice(cand)
                self.reorg_team = team
                newteam = "review-integrity-" + site.lower() + "-2"
                moved = []
                for e in self.emps:
                    if e.team == team and e.leave is None:
                        if e.kind == "lead":
                            self.hr_changes.setdefault(self.reorg_day, []).append((e, "modlead", "moderation-lead", newteam, site))
                            moved.append(e.id)
                        elif e.kind == "t1" and e.hire < self.reorg_day:
                            self.hr_changes.setdefault(self.reorg_day, []).append((e, "mod", "content-moderator", newteam, site))
                            moved.append(e.id)
                self.look.append({"kind": "reorganisation", "day": self.reorg_day, "team": team,
                                  "new_team": newteam, "employees": len(moved)})

    def build_schedules(self):
        rs = self.rs
        days = self.days
        for e in self.emps:
            work = bytearray(days)
            vac = None
            if rs.random() < 0.33 and days >= 10:
                v0 = rs.randrange(days)
                vac = (v0, v0 + rs.randint(4, 9))
            for d in range(days):
                if d < e.hire or (e.leave is not None and d > e.leave):
                    continue
                if (d % 7) in e.off:
                    continue
                if vac and vac[0] <= d < vac[1]:
                    continue
                if rs.random() < 0.015:
                    continue
                work[d] = 1
            if e.leave is not None and e.leave < days:
                # the last day is a working day (hand-over)
                work[e.leave] = 1
            e.work = work
        for ins in self.insiders:
            e = ins.e
            wd = [d for d in range(ins.a0, ins.a1 + 1) if e.work[d]]
            if not wd:
                d = min(ins.a1, max(ins.a0, (ins.a0 + ins.a1) // 2))
                e.work[d] = 1
                wd = [d]
            if ins.story in ("seller_reinstatement", "review_removal", "pre_departure_export"):
                ins.force_day = wd[-1]
            else:
                ins.force_day = self.ri.choice(wd[:max(1, len(wd) // 2)])
            ins.workdays = wd

    def finish_sellers(self):
        self.scum = list(accumulate(self.spop))
        self.sidx = list(range(self.NS))
        # planned bans of the reinstatement insiders' shops (world facts, also without insiders)
        self.planned_bans = {}
        for ins in self.insiders:
            if ins.story == "seller_reinstatement":
                lo = max(0, ins.a0 - 2)
                hi = max(lo, min(self.days - 3, ins.a1 - 2))
                for j, s in enumerate(ins.sellers):
                    d = lo if j == 0 else self.ri.randint(lo, hi)
                    t = d * DAY + self.ri.randrange(2 * HOUR, 20 * HOUR)
                    reason = self.ri.choice(["counterfeit", "counterfeit", "review_manipulation"])
                    self.planned_bans.setdefault(d, []).append((t, s, reason, ins))
        # honeytoken orders: decoys buy now and then from popular shops
        self.honey_orders = {}
        rs = self.rs
        top = [s for s in self.by_rank[:max(10, self.NS // 20)] if s not in self.special]
        for h in self.honey:
            for _ in range(rs.randint(2, 5)):
                d = rs.randrange(self.days)
                self.honey_orders.setdefault(d, []).append((h, rs.choice(top), d * DAY + rs.randrange(3 * HOUR, 22 * HOUR)))
        for ins in self.insiders:
            if ins.honey is not None:
                d = max(0, ins.a0 - 1)
                self.honey_orders.setdefault(d, []).append((ins.honey, ins.sellers[0], d * DAY + rs.randrange(1 * HOUR, 5 * HOUR)))

    # ---------------------------------------------------------------- helpers
    # account / review state is checked against the time of the last change, because one
    # day's events are generated role by role rather than in time order
    def s_active(self, s, t):
        return not self.sban[s] and self.sstamp[s] < t

    def s_inactive(self, s, t):
        return bool(self.sban[s]) and self.sstamp[s] < t

    def s_set(self, s, t, banned):
        self.sban[s] = t if banned else 0
        self.sstamp[s] = t + SEC

    def r_alive(self, ri, t):
        return self.r_live[ri] and self.rstamp[ri] < t

    def r_gone(self, ri, t):
        return (not self.r_live[ri]) and self.rstamp[ri] < t

    def r_set(self, ri, t, live):
        self.r_live[ri] = 1 if live else 0
        self.rstamp[ri] = t + SEC

    def rand_cust(self):
        if not self.cbuf:
            self.cbuf = self.rm.choices(self.cidx, cum_weights=self.ccum, k=20000)
        return self.cbuf.pop()

    def ctgt(self, c):
        return {"type": "customer", "id": self.cust_id[c]}

    def ee(self, e, ctx, t, action, target=None, targets=None, fields=None, purpose=None,
           outcome=None, extra=None, tool=None):
        attrs = {"tool": tool or e.tool, "session": ctx.session, "ip": ctx.ip}
        if extra:
            attrs.update(extra)
        ev = {"id": None, "time": None, "actor": e.actor, "action": action}
        if target is not None:
            ev["target"] = target
        if targets is not None:
            ev["targets"] = targets
        if fields:
            ev["fields"] = fields
        if purpose:
            ev["purpose"] = purpose
        if outcome:
            ev["outcome"] = outcome
        ev["attrs"] = attrs
        # UI clicks land at arbitrary milliseconds
        return self.out.put(t + self.jit(), ev)

    def se(self, t, actor, action, target=None, attrs=None):
        ev = {"id": None, "time": None, "actor": actor, "action": action}
        if target is not None:
            ev["target"] = target
        if attrs:
            ev["attrs"] = attrs
        return self.out.put(t, ev)

    def open_ticket(self, t, actor, prefix, kind, topic, cust=None, sel=None, order=None,
                    channel="web", extra=None, r=None):
        tk = Tk(self.tid(prefix, r), kind, topic, cust, sel, order, t, channel)
        attrs = {"kind": kind, "topic": topic, "channel": channel}
        if cust is not None:
            attrs["customer"] = self.cust_id[cust]
        if sel is not None:
            attrs["seller"] = self.sel_id[sel]
        if order is not None:
            attrs["order"] = self.o_id[order]
        if extra:
            attrs.update(extra)
        ev = self.se(t, actor, "ticket.open", {"type": "ticket", "id": tk.id}, attrs)
        if ev is None:
            return None
        return tk

    def close_ticket(self, e, ctx, t, tk, resolution):
        tk.closed = True
        if e is None:
            self.se(t, self.sysa("svc-casebot"), "ticket.close", {"type": "ticket", "id": tk.id},
                    {"resolution": resolution})
        else:
            self.ee(e, ctx, t, "ticket.close", {"type": "ticket", "id": tk.id},
                    extra={"resolution": resolution})

    # ---------------------------------------------------------------- marketplace
    def new_order(self, c, s, t, review=True):
        rm = self.rm
        oi = len(self.o_id)
        oid = self.uid(lambda: "ord-%010d" % rm.randrange(10 ** 10))
        self.o_id.append(oid)
        self.o_cust.append(c)
        self.o_sel.append(s)
        self.o_time.append(t)
        self.s_orders[s].append(oi)
        lst = self.cust_orders[c]
        if lst is None:
            self.cust_orders[c] = [oi]
        else:
            lst.append(oi)
        prod = rm.choice(self.sprod[s])
        self.se(t, {"type": "customer", "id": self.cust_id[c]}, "order.create",
                {"type": "order", "id": oid}, {"seller": self.sel_id[s], "product": prod})
        if review and rm.random() < self.srevrate[s]:
            rt = t + rm.randint(1, 9) * DAY + rm.randrange(DAY)
            rating = int(round(rm.gauss(self.squal[s], 1.15)))
            rating = 1 if rating < 1 else (5 if rating > 5 else rating)
            self.new_review(c, s, prod, oi, rt, rating)
        return oi

    def new_review(self, c, s, prod, oi, rt, rating):
        rm = self.rm
        if rt // DAY >= self.days:
            return None
        ri = len(self.r_id)
        rid = self.uid(lambda: "rv-" + b32(rm.getrandbits(45), 9))
        attrs = {"seller": self.sel_id[s], "product": prod, "rating": rating}
        if oi is not None:
            attrs["order"] = self.o_id[oi]
        self.se(rt, {"type": "customer", "id": self.cust_id[c]}, "review.create",
                {"type": "review", "id": rid}, attrs)
        self.r_id.append(rid)
        self.r_cust.append(c)
        self.r_sel.append(s)
        self.r_time.append(rt)
        self.r_rating.append(rating)
        self.r_live.append(1)
        self.rstamp.append(rt)
        self.s_reviews[s].append(ri)
        # automatic flag by the review classifier
        pf = 0.10 + (0.08 if rating == 1 else 0.0)
        if s == self.cseller and rating == 5 and c in self.ring_set:
            pf = 0.02
        if rm.random() < pf:
            ft = rt + rm.randint(2, 55) * MIN + rm.randrange(MIN)
            tk = self.open_ticket(ft, self.sysa("svc-review-guard"), "MOD", "review_dispute", "auto_flag",
                                  cust=c, sel=s, channel="classifier",
                                  extra={"review": rid, "score": round(rm.uniform(0.55, 0.99), 2)}, r=rm)
            if tk:
                tk.review = ri
                self.flagq.push(ft + 2 * MIN, tk)
        # seller disputes of negative reviews
        if rating <= 2:
            pd = 0.6 if s in self.g_sellers else 0.1
            if rm.random() < pd:
                dt = rt + rm.randint(5 * HOUR, 3 * DAY)
                tk = self.open_ticket(dt, {"type": "seller", "id": self.sel_id[s]}, "RVD", "review_dispute",
                                      "seller_dispute", cust=c, sel=s, channel="seller-center",
                                      extra={"review": rid}, r=rm)
                if tk:
                    tk.review = ri
                    self.disputeq.push(dt + 5 * MIN, tk)
        return ri

    def market_day(self, d):
        rm = self.rm
        self.day_ostart[d] = len(self.o_id)
        f = WEEKDAY_F[d % 7]
        if self.promo[0] <= d <= self.promo[1]:
            f *= 2.1
        n = poisson(rm, self.base_orders * f * rm.uniform(0.92, 1.08))
        custs = rm.choices(self.cidx, cum_weights=self.ccum, k=n)
        sels = rm.choices(self.sidx, cum_weights=self.scum, k=n)
        hours = rm.choices(range(24), cum_weights=HOUR_CUM, k=n)
        base = d * DAY
        ban = self.sban
        for c, s, h in zip(custs, sels, hours):
            if ban[s]:
                s = self.by_rank[rm.randrange(min(200, self.NS))]
                if ban[s]:
                    continue
            self.new_order(c, s, base + h * HOUR + rm.randrange(HOUR))
        for (h, s, t) in self.honey_orders.get(d, ()):
            self.new_order(h, s, t, review=False)
        # fake-review ring on the counterfeit shop (until the sweep)
        if d < self.sweep_day and not ban[self.cseller]:
            for _ in range(rm.randint(3, 9)):
                c = rm.choice(self.ring_custs)
                t = base + rm.randrange(DAY)
                self.new_review(c, self.cseller, rm.choice(self.sprod[self.cseller]), None, t, 5)
        self.day_oend = len(self.o_id)

    def recent_order(self, d, t=None, lookback=21, tries=6):
        lo = self.day_ostart[max(0, d - lookback)]
        hi = self.day_ostart[d] if d > 0 else 0
        if t is not None and d > 0:
            hi = self.day_ostart[d]
        if hi <= lo:
            return None
        rw = self.rw
        for _ in range(tries):
            oi = rw.randrange(lo, hi)
            if self.o_cust[oi] not in self.honey_set:
                return oi
        return None

    # ---------------------------------------------------------------- system facts
    def ban(self, t, s, reason, actor="svc-trust-engine", extra=None, p_appeal=0.7, route=None,
            thin=False):
        rm = self.rm
        if not self.s_active(s, t):
            return False
        attrs = {"reason": reason}
        if extra:
            attrs.update(extra)
        if self.se(t, self.sysa(actor), "account.ban", {"type": "seller", "id": self.sel_id[s]}, attrs) is None:
            return False
        self.s_set(s, t, True)
        if rm.random() < p_appeal:
            at = t + rm.randint(2 * HOUR, 4 * DAY)
            if thin:
                ex = {"attachments": rm.randint(0, 1), "words": rm.randint(9, 45), "text_sha": self.o_sha}
            else:
                ex = {"attachments": rm.randint(1, 6), "words": rm.randint(60, 700),
                      "text_sha": "%08x" % rm.getrandbits(32)}
                if reason == "policy" and actor == "svc-policybot" and rm.random() < 0.55:
                    ex["text_sha"] = self.template_sha   # forum template appeal
                    ex["words"] = 212
            tk = self.open_ticket(at, {"type": "seller", "id": self.sel_id[s]}, "APL", "appeal", "seller_ban_appeal",
                                  sel=s, channel="seller-center", extra=ex, r=rm)
            if tk:
                self.seller_appeal[s] = tk
                if route is not None:
                    route.append(tk)
                else:
                    self.appealq.push(at + 10 * MIN, tk)
        return True

    def system_day(self, d):
        rm = self.rm
        base = d * DAY
        NS = self.NS
        # background seller bans
        for _ in range(poisson(rm, 0.5 * NS / 1500)):
            s = rm.randrange(NS)
            if s in self.special:
                continue
            reason = wpick(rm, [("fraud", 3), ("review_manipulation", 2), ("counterfeit", 2), ("policy", 2), ("other", 2)])
            tb = base + rm.randrange(DAY)
            if reason == "other":
                if self.ban(tb, s, reason, extra={"rule": "kyc-missing"}, p_appeal=0.0):
                    self.kyc_hold.append((s, tb))
            else:
                self.ban(tb, s, reason)
        # customer bans for fraud; some appeal
        for _ in range(poisson(rm, 3.0 * self.NC / 60000)):
            c = self.rand_cust()
            if c in self.cban:
                continue
            t = base + rm.randrange(DAY)
            self.se(t, self.sysa("svc-trust-engine"), "account.ban", self.ctgt(c),
                    {"reason": rm.choice(["fraud", "fraud", "policy", "other"])})
            self.cban[c] = t
            if rm.random() < 0.4:
                tk = self.open_ticket(t + rm.randint(HOUR, 3 * DAY), {"type": "customer", "id": self.cust_id[c]},
                                      "APL", "appeal", "buyer_ban_appeal", cust=c, channel="web",
                                      extra={"attachments": rm.randint(0, 3), "words": rm.randint(20, 400),
                                             "text_sha": "%08x" % rm.getrandbits(32)}, r=rm)
                if tk:
                    self.appealq.push(tk.open + 10 * MIN, tk)
        # planned bans of one owner's shops (reinstatement story)
        for (t, s, reason, ins) in self.planned_bans.get(d, ()):
            route = ins.claimed if (ins.p_day > 0) else None
            self.ban(t, s, reason, p_appeal=0.75, route=route, thin=True)
        # policy sweep wave (look-alike setup)
        if d == self.p1:
            cand = [s for s in range(NS) if not self.sban[s] and s not in self.special]
            k = max(5, int(NS * 0.025))
            wave = rm.sample(cand, min(k, len(cand)))
            t0 = base + 3 * HOUR + rm.randrange(HOUR)
            self.sweep_sellers = []
            for s in wave:
                t0 += rm.randint(2, 40) * SEC
                if self.ban(t0, s, "policy", actor="svc-policybot", extra={"rule": "listing-media-v3"}, p_appeal=0.8):
                    self.sweep_sellers.append(s)
            self.look.append({"kind": "policy_sweep_ban_wave", "day": d, "sellers": len(self.sweep_sellers)})
        if d == self.p2 - 1:
            t = base + 21 * HOUR + rm.randrange(HOUR)
            self.pol_rollback = self.open_ticket(t, self.sysa("svc-jira"), "POL", "other", "policy_rollback",
                                                 channel="internal", extra={"rule": "listing-media-v3"}, r=rm)
            self.rollback_apv = "apv-" + b32(rm.getrandbits(40), 8)
        # brand-protection complaints
        for _ in range(poisson(rm, 0.35 * self.counts["brand"])):
            s = rm.choices(self.sidx, cum_weights=self.scum, k=1)[0]
            if s in self.special or self.sban[s]:
                continue
            t = base + rm.randrange(DAY)
            tk = self.open_ticket(t, self.sysa("svc-brandwatch"), "BPR", "fraud_report", "brand_complaint",
                                  sel=s, channel="brand-portal", r=rm)
            if tk:
                self.brandq.push(t + 30 * MIN, tk)
        if d == self.sweep_day - 1:
            t = base + rm.randrange(8 * HOUR, 20 * HOUR)
            tk = self.open_ticket(t, self.sysa("svc-brandwatch"), "BPR", "fraud_report", "brand_complaint",
                                  sel=self.cseller, channel="brand-portal", extra={"priority": "p1"}, r=rm)
            self.sweep_case = tk
        # fraud score cases
        for _ in range(poisson(rm, 0.5 * self.counts["risk"])):
            t = base + rm.randrange(DAY)
            oi = self.recent_order(d, lookback=14) if d > 0 else None
            if oi is None:
                continue
            s = self.o_sel[oi]
            if s in self.special:
                continue
            tk = self.open_ticket(t, self.sysa("svc-fraudscore"), "RSK", "fraud_report", "risk_signal",
                                  cust=self.o_cust[oi], sel=s, order=oi, channel="model", r=rm)
            if tk:
                self.riskq.push(t + 15 * MIN, tk)
        # big scam investigation: victims report, a master case is opened
        if self.bi <= d <= self.bi + 1:
            if d == self.bi:
                t = base + rm.randrange(2 * HOUR, 5 * HOUR)
                self.scam_case = self.open_ticket(t, self.sysa("svc-fraudscore"), "RSK", "fraud_report",
                                                  "seller_scam_cluster", sel=self.scam, channel="model", r=rm)
            buyers = [oi for oi in self.s_orders[self.scam] if self.o_cust[oi] not in self.honey_set
                      and self.o_time[oi] < base]
            for oi in rm.sample(buyers, min(len(buyers), rm.randint(6, 14))):
                c = self.o_cust[oi]
                t = base + rm.randrange(6 * HOUR, DAY)
                tk = self.open_ticket(t, {"type": "customer", "id": self.cust_id[c]}, "CS", "fraud_report",
                                      "seller_scam", cust=c, sel=self.scam, order=oi, channel="web", r=rm)
                if tk:
                    self.scam_reports.append(tk)
        # law-enforcement requests
        for _ in range(poisson(rm, 0.35 * self.counts["legal"])):
            t = base + rm.randrange(DAY)
            c = self.rand_cust()
            tk = self.open_ticket(t, self.sysa("svc-le-portal"), "LER", "other", "law_enforcement", cust=c,
                                  channel="le-portal", extra={"agency": rm.choice(["police", "tax", "court", "customs"])}, r=rm)
            if tk:
                self.leq.push(t + HOUR, tk)
        if d == self.subpoena - 1:
            t = base + rm.randrange(10 * HOUR, 20 * HOUR)
            self.subpoena_tk = self.open_ticket(t, self.sysa("svc-le-portal"), "LER", "other", "law_enforcement",
                                                sel=self.scam, channel="le-portal", extra={"agency": "court"}, r=rm)
        # data-protection requests from customers
        for _ in range(poisson(rm, 0.7 * self.counts["privacy"])):
            t = base + rm.randrange(DAY)
            c = self.rand_cust()
            topic = "dsar" if rm.random() < 0.7 else "erasure"
            tk = self.open_ticket(t, {"type": "customer", "id": self.cust_id[c]}, "DPR", "account", topic,
                                  cust=c, channel="privacy-form", r=rm)
            if tk:
                self.dprq.push(t + HOUR, tk)
        if d == self.outage:
            t = base + rm.randrange(20 * HOUR, 23 * HOUR)
            self.goodwill_tk = self.open_ticket(t, self.sysa("svc-jira"), "INC", "other", "incident_goodwill",
                                                channel="internal", extra={"incident": self.outage_inc}, r=rm)
        if d == self.regulator_day - 1:
            t = base + rm.randrange(8 * HOUR, 18 * HOUR)
            self.regulator_tk = self.open_ticket(t, self.sysa("svc-jira"), "DPR", "other", "regulator_sample",
                                                 channel="internal", r=rm)
            self.regulator_apv = "apv-" + b32(rm.getrandbits(40), 8)
        if d == self.mig[0] - 1 or (d == 0 and self.mig[0] <= 0):
            t = base + rm.randrange(12 * HOUR, 20 * HOUR)
            self.mig_tk = self.open_ticket(t, self.sysa("svc-jira"), "CHG", "other", "address_normalisation",
                                           channel="internal", r=rm)
        # data-quality bug tickets
        for _ in range(poisson(rm, 0.4 * self.counts["data"])):
            t = base + rm.randrange(DAY)
            tk = self.open_ticket(t, self.sysa("svc-jira"), "DQ", "other", "data_quality", cust=self.rand_cust(),
                                  channel="internal", r=rm)
            if tk:
                self.dqq.push(t + HOUR, tk)
        # seller tickets to merchant managers
        for e_id, q in self.mmq.items():
            e = self.byid[e_id]
            for s in e.portfolio:
                if rm.random() < 0.035:
                    t = base + rm.randrange(DAY)
                    tk = self.open_ticket(t, {"type": "seller", "id": self.sel_id[s]}, "SLR",
                                          rm.choice(["other", "other", "account"]),
                                          rm.choice(["payout", "fees", "listing", "shipping_label", "buyer_dispute"]),
                                          sel=s, channel="seller-center", r=rm)
                    if tk:
                        q.push(t + 20 * MIN, tk)
                        self.seller_tickets.setdefault(s, []).append(tk)
        # e-mail / web-form contacts to buyer care (worked by whoever is on shift)
        n = int(self.care_capacity(d) * 0.42)
        for _ in range(n):
            t = base + rm.choices(range(24), cum_weights=HOUR_CUM, k=1)[0] * HOUR + rm.randrange(HOUR)
            tk = self.new_contact(d, t, "email", rm)
            if tk:
                self.emailq.push(t + rm.randint(1, 20) * MIN, tk)

    def care_capacity(self, d):
        if not hasattr(self, "_cap"):
            self._cap = {}
        if d not in self._cap:
            self._cap[d] = sum(5.5 for e in self.emps if e.kind == "t1" and e.work[d]) * self.surge(d)
        return self._cap[d]

    def surge(self, d):
        f = 1.0
        if d == self.outage:
            f = 1.5
        if self.promo[0] + 1 <= d <= self.promo[1] + 3:
            f *= 1.25
        return f

    def new_contact(self, d, t, channel, r):
        kind = wpick(r, KIND_W)
        oi = None
        if kind in ("order_issue", "fraud_report"):
            oi = self.recent_order(d, lookback=21)
            if oi is None or self.o_time[oi] >= t:
                kind = "account"
                oi = None
        if oi is not None:
            c = self.o_cust[oi]
            s = self.o_sel[oi]
            if kind == "fraud_report" and s in self.special:
                kind = "order_issue"
        else:
            c = self.rand_cust()
            s = None
        lst = TOPICS[kind]
        topic = wpick(r, [(x[0], x[1]) for x in lst])
        prefix = "CHT" if channel == "chat" else "CS"
        tk = self.open_ticket(t, {"type": "customer", "id": self.cust_id[c]}, prefix, kind, topic,
                              cust=c, sel=s, order=oi, channel=channel, r=r)
        return tk

    # ---------------------------------------------------------------- HR events
    def hr_initial(self):
        rs = self.rs
        for e in self.emps:
            if e.hire == 0:
                t = rs.randrange(1 * SEC, 30 * SEC)
                attrs = {"role": e.role, "team": e.team, "site": e.site, "since": e.since, "source": "hris-sync"}
                self.se(t, self.sysa("svc-hris"), "employee.hire", {"type": "employee", "id": e.id}, attrs)
        for h in self.honey:
            t = rs.randrange(31 * SEC, 50 * SEC)
            self.se(t, self.sysa("custos-decoy"), "honeytoken.plant", self.ctgt(h))

    def hr_day(self, d):
        """emit HR facts effective tomorrow (the evening before) and leavers of yesterday"""
        rs = self.rs
        base = d * DAY
        for e in self.emps:
            if e.hire == d + 1:
                t = base + rs.randrange(19 * HOUR, 23 * HOUR)
                self.se(t, self.sysa("svc-hris"), "employee.hire", {"type": "employee", "id": e.id},
                        {"role": e.role, "team": e.team, "site": e.site, "source": "hris"})
            if e.leave is not None and e.leave == d - 1:
                t = base + rs.randrange(20 * MIN, 90 * MIN)
                self.se(t, self.sysa("svc-hris"), "employee.leave", {"type": "employee", "id": e.id},
                        {"reason": e.leave_reason})
        for (e, kind, role, team, site) in self.hr_changes.get(d + 1, ()):
            t = base + rs.randrange(19 * HOUR, 23 * HOUR)
            self.se(t, self.sysa("svc-hris"), "employee.change", {"type": "employee", "id": e.id},
                    {"role": role, "team": team, "site": site})

    def apply_changes(self, d):
        for (e, kind, role, team, site) in self.hr_changes.get(d, ()):
            e.kind = kind
            e.role = role
            e.team = team
            e.site = site
            if kind == "t2":
                e.shift = OFFICE["KRK"] if site == "KRK" else e.shift
            e.set_actor()

    # ---------------------------------------------------------------- staff day
    def make_ctx(self, e, d, start=None, end=None, home=None):
        rw = self.rw
        ctx = Ctx()
        ctx.e = e
        base = d * DAY
        if start is None:
            s, en = e.shift
            start = base + max(2 * MIN + rw.randrange(2 * MIN), s * MIN + rw.randint(-8, 15) * MIN + rw.randrange(MIN))
            end = base + min(23 * HOUR + 30 * MIN, en * MIN + rw.randint(-10, 25) * MIN + rw.randrange(MIN))
        if home is None:
            home = rw.random() < e.wfh
        ctx.home = home
        ctx.start = start
        ctx.end = end
        ctx.session = self.sess()
        if home:
            ctx.ip = "100.96.%d.%d" % (rw.randrange(256), rw.randrange(1, 255))
            ctx.dev = "lt-" + e.id[3:]
        else:
            ctx.ip = e.ip
            ctx.dev = e.dev
        ctx.cases = []
        ctx.peeks = []
        lt = start - rw.randint(30 * SEC, 5 * MIN)
        if lt < base + MIN:
            lt = base + MIN + rw.randrange(20 * SEC)
        self.out.put(lt, {"id": None, "time": None, "actor": e.actor, "action": "auth.login",
                          "attrs": {"ip": ctx.ip, "device": ctx.dev, "session": ctx.session,
                                    "method": "sso", "mfa": "push"}})
        return ctx

    def staff_day(self, d):
        self.apply_changes(d)
        rw = self.rw
        self.team_on = {}
        ctxs = {}
        bykind = {}
        for e in self.emps:
            if not e.work[d]:
                continue
            ctx = self.make_ctx(e, d)
            ctxs[e.id] = ctx
            self.team_on.setdefault(e.team, []).append(ctx)
            bykind.setdefault(e.kind, []).append(e)
        self.ctxs = ctxs
        self.rollback_team = []
        if d >= self.p2 and not self.rollback_done:
            ap = [e for e in bykind.get("appeals", ()) if e.ins is None]
            self.rollback_team = ap[:3]
            if ap:
                self.rollback_done = True
        pol = bykind.get("policy", ())
        self.sweep_owner = pol[d % len(pol)] if pol else None
        # follow-ups of absent colleagues are covered by a team-mate on shift
        for e in self.emps:
            if e.pending and not e.work[d] and e.kind in ("t1", "intern"):
                due = [p for p in e.pending if p[0] <= d]
                if not due:
                    continue
                mates = [c for c in self.team_on.get(e.team, ()) if c.e.kind in ("t1", "intern")]
                if not mates and (e.leave is None or e.leave >= d):
                    continue
                if not mates:
                    mates = [c for c in ctxs.values() if c.e.kind == "t1"]
                    if not mates:
                        continue
                e.pending = [p for p in e.pending if p[0] > d]
                for p in due:
                    m = rw.choice(mates).e
                    m.pending.append((d, p[1], "cover"))
                    self.lk("followups_covered_by_teammate")
        order = ["t1", "intern", "lead", "t2", "principal", "mm", "onb", "mod", "modlead", "appeals",
                 "brand", "risk", "policy", "privacy", "legal", "data", "wfm"]
        for ins in self.insiders:
            if ins.e.id in ctxs and ins.story == "review_removal":
                self.insider_day(ins, d, ctxs[ins.e.id], pre=True)
        for kind in order:
            lst = list(bykind.get(kind, ()))
            rw.shuffle(lst)
            fn = getattr(self, "work_" + kind)
            for e in lst:
                fn(e, ctxs[e.id], d)
        self.overtime(d, ctxs)
        # insiders act after (or in between) their ordinary work
        for ins in self.insiders:
            self.insider_day(ins, d, ctxs.get(ins.e.id))
        self.stale_day(d)

    def stale_day(self, d):
        # web contacts nobody could take for 4 days are closed by the case bot with an apology mail
        cutoff = (d - 4) * DAY
        h = self.emailq.h
        while h and h[0][0] < cutoff:
            _, _, tk = heapq.heappop(h)
            if not tk.closed and not tk.claimed:
                self.close_ticket(None, None, d * DAY + 23 * HOUR + self.rm.randrange(HOUR), tk, "auto_closed_backlog")
                self.lk("auto_closed_backlog")

    def loose_purpose(self, code, reasons, r=None, p_none=0.25):
        """purpose of a look-up made without a ticket (tools do not force one)"""
        r = r or self.rw
        if r.random() < p_none:
            return None
        reason = r.choice(reasons)
        return {"code": code, "reason": reason} if reason else {"code": code}

    def overtime(self, d, ctxs):
        """a few people log in again in the evening from home to finish a case"""
        rw = self.rw
        for eid, ctx in ctxs.items():
            e = ctx.e
            if e.ins is not None or not ctx.cases or rw.random() >= 0.015:
                continue
            if e.leave is not None and d >= e.leave:
                continue
            s, en = e.shift
            if en + 60 >= 1320:
                lo, hi = max(15, s - 240), s - 60
                if hi <= lo:
                    continue
            else:
                lo, hi = en + 60, min(1320, en + 240)
            t = d * DAY + rw.randint(lo, hi) * MIN + rw.randrange(MIN)
            hx = self.make_ctx(e, d, start=t, end=t + HOUR, home=True)
            for _ in range(rw.randint(1, 3)):
                tc, tk = rw.choice(ctx.cases)
                if tk.cust is None or tc >= t:
                    continue
                t += rw.randint(1, 8) * MIN + rw.randrange(MIN)
                code = "customer_request"
                if e.kind == "risk" or e.kind == "brand":
                    code = "fraud_investigation"
                elif e.kind in ("mm", "mod", "appeals"):
                    code = "seller_request"
                self.ee(e, hx, t, "customer.view", self.ctgt(tk.cust), fields=self.case_fields(tk, 0.2) if tk.topic in TOPIC_INFO else ["name", "orders"],
                        purpose={"ticket": tk.id, "code": code})
            self.lk("evening_sessions_from_home")

    # ----------------------------------------------------------- buyer care
    def case_fields(self, tk, extra_p=0.12):
        f = TOPIC_INFO[tk.topic][1]
        if self.rw.random() < extra_p:
            f = f + [self.rw.choice(["phone", "address", "email"])]
            f = list(dict.fromkeys(f))
        return f

    def handle_case(self, e, ctx, tk, t, denied_p=0.0, tier2=False):
        rw = self.rw
        d = t // DAY
        tid = tk.id
        tgt_tk = {"type": "ticket", "id": tid}
        # queue peeks: other agents on shift open the chat before one takes it
        if tk.channel == "chat" and rw.random() < 0.24:
            mates = self.team_on.get(e.team, ())
            if len(mates) > 1:
                for _ in range(rw.randint(1, 2)):
                    m = rw.choice(mates)
                    if m.e is e or m.e.kind not in ("t1", "intern", "lead") or not (m.start < t < m.end):
                        continue
                    tp = tk.open + rw.randrange(max(SEC, t - tk.open))
                    if tp <= tk.open:
                        tp = tk.open + 200
                    self.ee(m.e, m, tp, "customer.view", self.ctgt(tk.cust), fields=["name", "orders"],
                            purpose={"ticket": tid, "code": "customer_request"}, extra={"queue": "chat-" + e.site.lower()})
                    m.peeks.append((tp, tk))
                    self.lk("queue_peeks")
        self.ee(e, ctx, t, "ticket.assign", tgt_tk,
                extra={"queue": ("chat-" if tk.channel == "chat" else "web-") + e.site.lower()} if not tier2 else {"queue": "tier2"})
        t += rw.randint(15, 90) * SEC + rw.randrange(SEC)
        code = "break_glass" if self.in_outage(t) and tier2 else "customer_request"
        purpose = {"ticket": tid, "code": code}
        tool = None
        if code == "break_glass":
            purpose["reason"] = self.outage_inc + " console outage"
            tool = "ops-fallback"
            self.lk("break_glass_during_outage")
        if rw.random() < 0.3:
            q = rw.choice(["email", "phone", "name", "order"]) if tk.order is not None else rw.choice(["email", "phone", "name"])
            targets = [self.cust_id[tk.cust]]
            for _ in range(rw.choice((0, 0, 1, 2, 3))):
                c2 = self.rand_cust()
                if c2 != tk.cust:
                    targets.append(self.cust_id[c2])
            rw.shuffle(targets)
            qs = "order:" + self.o_id[tk.order] if q == "order" else "%s:%s" % (q, b32(rw.getrandbits(30), 6))
            self.ee(e, ctx, t, "customer.search", targets=targets, fields=["name", "email"],
                    purpose=purpose if rw.random() > 0.08 else None, extra={"query": qs}, tool=tool)
            t += rw.randint(10, 60) * SEC + rw.randrange(SEC)
        if d == self.outage:
            self.outage_custs.append(tk.cust)
        fields = self.case_fields(tk, 0.25 if tier2 else 0.1)
        if tier2 and "payment" not in fields and rw.random() < 0.35:
            fields = fields + ["payment"]
        if denied_p and "payment" in fields and rw.random() < 0.8:
            self.ee(e, ctx, t, "customer.view", self.ctgt(tk.cust), fields=fields, purpose=purpose,
                    outcome="denied", tool=tool)
            t += rw.randint(20, 90) * SEC
            fields = [f for f in fields if f != "payment"] or ["name"]
        tv = t
        self.ee(e, ctx, t, "customer.view", self.ctgt(tk.cust), fields=fields, purpose=purpose, tool=tool)
        if tk.order is not None:
            t += rw.randint(20, 120) * SEC + rw.randrange(SEC)
            self.ee(e, ctx, t, "order.view", {"type": "order", "id": self.o_id[tk.order]}, purpose=purpose,
                    extra={"customer": self.cust_id[tk.cust], "seller": self.sel_id[tk.sel]}, tool=tool)
            if tier2 and rw.random() < 0.3:
                lst = self.cust_orders[tk.cust] or ()
                prev = [oi for oi in lst[-6:] if oi != tk.order and self.o_time[oi] < t]
                if prev:
                    oi = rw.choice(prev)
                    t += rw.randint(20, 90) * SEC
                    self.ee(e, ctx, t, "order.view", {"type": "order", "id": self.o_id[oi]}, purpose=purpose,
                            extra={"customer": self.cust_id[tk.cust], "seller": self.sel_id[self.o_sel[oi]]}, tool=tool)
        t += rw.randint(2, 9) * MIN + rw.randrange(MIN)
        ctx.cases.append((tv, tk))
        rec = self.team_recent.get(e.team)
        if rec is None:
            rec = self.team_recent[e.team] = deque(maxlen=400)
        rec.append((t, tk, e))
        self.all_recent.append((t, tk))
        r = rw.random()
        if tk.kind == "fraud_report" and not tier2:
            self.ee(e, ctx, t, "x.ticket.escalate", tgt_tk, extra={"to": "marketplace-risk"})
            self.riskq.push(t + rw.randint(5, 120) * MIN, tk)
        elif r < 0.08 and not tier2:
            self.ee(e, ctx, t, "x.ticket.escalate", tgt_tk, extra={"to": "tier2"})
            self.t2q.push(t + rw.randint(2, 90) * MIN, tk)
        elif r < 0.2 and not tier2:
            e.pending.append((d + rw.randint(1, 3), tk, "own"))
        else:
            self.close_ticket(e, ctx, t, tk, rw.choice(TOPIC_INFO[tk.topic][2]))
        return t

    def in_outage(self, t):
        return t // DAY == self.outage and 10 * HOUR <= t % DAY < 16 * HOUR

    def followup(self, e, ctx, tk, t, how):
        rw = self.rw
        if tk.closed:
            return t
        purpose = {"ticket": tk.id, "code": "customer_request"}
        if how == "cover":
            self.ee(e, ctx, t, "ticket.assign", {"type": "ticket", "id": tk.id}, extra={"queue": "handover"})
            t += rw.randint(20, 120) * SEC
        self.ee(e, ctx, t, "customer.view", self.ctgt(tk.cust), fields=self.case_fields(tk, 0.05), purpose=purpose)
        ctx.cases.append((t, tk))
        if tk.order is not None and rw.random() < 0.5:
            t += rw.randint(20, 120) * SEC
            self.ee(e, ctx, t, "order.view", {"type": "order", "id": self.o_id[tk.order]}, purpose=purpose,
                    extra={"customer": self.cust_id[tk.cust], "seller": self.sel_id[tk.sel]})
        t += rw.randint(2, 6) * MIN
        self.close_ticket(e, ctx, t, tk, rw.choice(TOPIC_INFO[tk.topic][2]))
        return t

    def care_loop(self, e, ctx, d, mean, denied_p=0.0):
        rw = self.rw
        t = ctx.start + rw.randint(2, 9) * MIN + rw.randrange(MIN)
        due = [p for p in e.pending if p[0] <= d]
        if due:
            e.pending = [p for p in e.pending if p[0] > d]
            for p in due:
                t = self.followup(e, ctx, p[1], t, p[2]) + rw.randint(1, 5) * MIN
        last = e.leave is not None and d >= e.leave - 1
        sf = self.surge(d)
        n = poisson(rw, mean * e.speed * sf * (1.25 if last else 1.0))
        span = max(1, ctx.end - t)
        gap = span / max(1, n + 1)
        # a phone call now and then: quick look-up without a ticket yet
        if rw.random() < 0.35 and d > 0:
            oi = self.recent_order(d, lookback=10)
            if oi is not None:
                tq = ctx.start + rw.randrange(max(MIN, ctx.end - ctx.start))
                self.ee(e, ctx, tq, "customer.view", self.ctgt(self.o_cust[oi]), fields=["name", "orders"],
                        purpose=self.loose_purpose("customer_request", ["inbound call", "chat transfer", None]))
                self.lk("care_views_without_ticket")
        for _ in range(n):
            t += int(gap * rw.uniform(0.3, 1.2))
            if t >= ctx.end:
                break
            tk = None
            if rw.random() < 0.45:
                tk = self.emailq.pop(t)
            if tk is None:
                tk = self.new_contact(d, t - rw.randint(40, 420) * SEC - rw.randrange(SEC), "chat", rw) \
                    if t - 8 * MIN > d * DAY else None
            if tk is None:
                continue
            t = self.handle_case(e, ctx, tk, t, denied_p=denied_p)

    def work_t1(self, e, ctx, d):
        self.care_loop(e, ctx, d, 6.0)

    def work_intern(self, e, ctx, d):
        self.care_loop(e, ctx, d, 2.5, denied_p=0.6)

    def work_t2(self, e, ctx, d):
        rw = self.rw
        t = ctx.start + rw.randint(3, 12) * MIN
        if d >= self.outage + 1 and self.goodwill_tk is not None and not self.goodwill_done and e.ins is None:
            # goodwill voucher campaign: everyone who contacted us during the outage
            self.goodwill_done = True
            tk = self.goodwill_tk
            purpose = {"ticket": tk.id, "code": "customer_request"}
            self.ee(e, ctx, t, "ticket.assign", {"type": "ticket", "id": tk.id}, extra={"queue": "tier2"})
            t += rw.randint(10, 40) * MIN
            tg = list(dict.fromkeys(self.cust_id[c] for c in self.outage_custs))[:1500]
            if tg:
                self.ee(e, ctx, t, "customer.export", targets=tg, fields=["name", "email"], purpose=purpose,
                        extra={"format": "csv", "destination": "download"})
                self.look.append({"kind": "outage_goodwill_export_by_care_specialist", "day": d, "employee": e.id,
                                  "customers": len(tg), "ticket": tk.id})
            t += rw.randint(10, 30) * MIN
            self.close_ticket(e, ctx, t, tk, "campaign_sent")
        n = poisson(rw, 5.0 * e.speed * self.surge(d))
        gap = (ctx.end - t) / max(1, n + 1)
        for _ in range(n):
            t += int(gap * rw.uniform(0.4, 1.3))
            if t >= ctx.end:
                break
            tk = self.t2q.pop(t)
            if tk is None:
                if t - 10 * MIN <= d * DAY:
                    continue
                tk = self.new_contact(d, t - rw.randint(60, 600) * SEC, "phone", rw)
                if tk is None:
                    continue
            t = self.handle_case(e, ctx, tk, t, tier2=True)
            if not tk.closed:
                self.close_ticket(e, ctx, t, tk, rw.choice(TOPIC_INFO[tk.topic][2]))
        if rw.random() < 0.3 and d > 0:
            oi = self.recent_order(d, lookback=10)
            if oi is not None:
                tq = ctx.start + rw.randrange(max(MIN, ctx.end - ctx.start))
                self.ee(e, ctx, tq, "customer.view", self.ctgt(self.o_cust[oi]), fields=["name", "phone", "orders"],
                        purpose=self.loose_purpose("customer_request", ["callback", "inbound call", None]))
                self.lk("care_views_without_ticket")

    def work_principal(self, e, ctx, d):
        rw = self.rw
        t = ctx.start + rw.randint(5, 20) * MIN
        n = poisson(rw, 7.0)
        gap = (ctx.end - t) / max(1, n + 1)
        for _ in range(n):
            t += int(gap * rw.uniform(0.4, 1.3))
            if t >= ctx.end:
                break
            if rw.random() < 0.4:
                tk = self.t2q.pop(t)
                if tk is not None:
                    t = self.handle_case(e, ctx, tk, t, tier2=True)
                    if not tk.closed:
                        self.close_ticket(e, ctx, t, tk, "resolved_by_escalations")
                    continue
            # complaint about an earlier case of any team: re-open and review
            if not self.all_recent:
                continue
            tc, tk = self.all_recent[rw.randrange(len(self.all_recent))]
            if tc >= t:
                continue
            purpose = {"ticket": tk.id, "code": "customer_request"}
            tool = None
            if self.in_outage(t):
                purpose = {"ticket": tk.id, "code": "break_glass", "reason": self.outage_inc + " console outage"}
                tool = "ops-fallback"
                self.lk("break_glass_during_outage")
            self.ee(e, ctx, t, "ticket.assign", {"type": "ticket", "id": tk.id}, extra={"queue": "complaints"}, tool=tool)
            t += rw.randint(30, 120) * SEC
            self.ee(e, ctx, t, "customer.view", self.ctgt(tk.cust),
                    fields=["name", "email", "phone", "address", "orders", "account"], purpose=purpose, tool=tool)
            ctx.cases.append((t, tk))
            if tk.order is not None:
                t += rw.randint(30, 120) * SEC
                self.ee(e, ctx, t, "order.view", {"type": "order", "id": self.o_id[tk.order]}, purpose=purpose,
                        extra={"customer": self.cust_id[tk.cust], "seller": self.sel_id[tk.sel]}, tool=tool)
            t += rw.randint(5, 20) * MIN
            self.ee(e, ctx, t, "ticket.close", {"type": "ticket", "id": tk.id}, extra={"resolution": "complaint_resolved"})
            self.lk("principal_cross_team_case_reviews")

    def work_lead(self, e, ctx, d):
        rw = self.rw
        rec = self.team_recent.get(e.team)
        audit = d >= self.audit_day and (e.i % 3 == 0) and e.id not in self.audit_done
        if audit:
            self.audit_done.add(e.id)
        weekly_qa = (d % 7) == e.qa_wd
        k = poisson(rw, 4.0)
        if weekly_qa:
            k += rw.randint(8, 15)
        if audit:
            k += rw.randint(40, 80)
        if rw.random() < 0.4 and d > 0:
            oi = self.recent_order(d, lookback=10)
            if oi is not None:
                tq = ctx.start + rw.randrange(max(MIN, ctx.end - ctx.start))
                self.ee(e, ctx, tq, "customer.view", self.ctgt(self.o_cust[oi]),
                        fields=rw.choice([["name", "email", "phone", "orders"], ["name", "orders", "address"], ["name", "orders"]]),
                        purpose=self.loose_purpose("customer_request", ["supervisor call", "live escalation", None], p_none=0.15))
                self.lk("lead_views_without_ticket")
        if not rec:
            return
        items = [x for x in rec if x[0] < ctx.end - 5 * MIN]
        if not items:
            return
        t0 = ctx.start + rw.randint(10, 60) * MIN
        if audit:
            self.look.append({"kind": "supervisor_team_case_audit", "day": d, "employee": e.id, "cases": k})
        picks = sorted((rw.choice(items) for _ in range(k)), key=lambda x: x[0])
        span = max(MIN, ctx.end - t0)
        cur = t0
        for i, (tc, tk, agent) in enumerate(picks):
            step = rw.randint(60, 150) * SEC if audit else int(span / (k + 1) * rw.uniform(0.3, 1.4))
            t = max(cur + step, tc + rw.randint(1, 40) * MIN) + rw.randrange(SEC)
            if t >= ctx.end + 30 * MIN:
                break
            cur = t
            purpose = {"ticket": tk.id, "code": "quality_review"}
            self.ee(e, ctx, t, "x.ticket.review", {"type": "ticket", "id": tk.id},
                    extra={"agent": agent.id, "form": "qa-scorecard" if (weekly_qa or audit) else "live-monitor"})
            cur = t + rw.randint(15, 90) * SEC + rw.randrange(SEC)
            self.ee(e, ctx, cur, "customer.view", self.ctgt(tk.cust),
                    fields=["name", "orders"] if rw.random() < 0.7 else ["name", "email", "orders"], purpose=purpose)
            ctx.cases.append((t, tk))
            self.lk("lead_case_reviews")

    # ----------------------------------------------------------- seller side
    def work_mm(self, e, ctx, d):
        rw = self.rw
        q = self.mmq[e.id]
        t = ctx.start + rw.randint(5, 30) * MIN
        for _ in range(12):
            tk = q.pop(t)
            if tk is None:
                break
            s = tk.sel
            purpose = {"ticket": tk.id, "code": "seller_request"}
            self.ee(e, ctx, t, "ticket.assign", {"type": "ticket", "id": tk.id}, extra={"queue": e.team})
            t += rw.randint(1, 4) * MIN
            self.ee(e, ctx, t, "x.seller.view", {"type": "seller", "id": self.sel_id[s]}, purpose=purpose,
                    extra={"legal_entity": self.sent[s]})
            ctx.cases.append((t, tk))
            if tk.topic == "buyer_dispute" or rw.random() < 0.3:
                ol = [oi for oi in self.s_orders[s][-60:] if self.o_time[oi] < t and self.o_cust[oi] not in self.honey_set]
                for oi in rw.sample(ol, min(len(ol), rw.randint(1, 3))):
                    t += rw.randint(30, 180) * SEC
                    self.ee(e, ctx, t, "order.view", {"type": "order", "id": self.o_id[oi]}, purpose=purpose,
                            extra={"customer": self.cust_id[self.o_cust[oi]], "seller": self.sel_id[s]})
                    if tk.topic == "buyer_dispute" and rw.random() < 0.4:
                        t += rw.randint(30, 120) * SEC
                        self.ee(e, ctx, t, "customer.view", self.ctgt(self.o_cust[oi]), fields=["name", "orders"],
                                purpose=purpose)
            t += rw.randint(5, 25) * MIN
            self.close_ticket(e, ctx, t, tk, rw.choice(["answered", "payout_fixed", "listing_fixed", "explained_fees"]))
        # proactive account management
        for _ in range(rw.randint(3, 8)):
            t += rw.randint(5, 40) * MIN
            if t >= ctx.end:
                break
            s = rw.choice(e.portfolio)
            self.ee(e, ctx, t, "x.seller.view", {"type": "seller", "id": self.sel_id[s]},
                    purpose={"code": "seller_request", "reason": "account review"}, extra={"legal_entity": self.sent[s]})
            if rw.random() < 0.35:
                ol = [oi for oi in self.s_orders[s][-30:] if self.o_time[oi] < t and self.o_cust[oi] not in self.honey_set]
                if ol:
                    oi = rw.choice(ol)
                    t += rw.randint(30, 120) * SEC
                    self.ee(e, ctx, t, "order.view", {"type": "order", "id": self.o_id[oi]},
                            purpose=self.loose_purpose("seller_request", ["account review", "seller call", None], p_none=0.3),
                            extra={"customer": self.cust_id[self.o_cust[oi]], "seller": self.sel_id[s]})

    def work_onb(self, e, ctx, d):
        rw = self.rw
        t = ctx.start + rw.randint(5, 20) * MIN
        # shops suspended for missing KYC documents are switched back on when documents arrive
        if self.kyc_hold and rw.random() < 0.5:
            s, t_hold = self.kyc_hold[0]
            if t_hold < t - 2 * HOUR and self.s_inactive(s, t):
                self.kyc_hold.pop(0)
                t += rw.randint(5, 30) * MIN
                pp = {"code": "seller_request", "reason": "kyc documents received"}
                self.ee(e, ctx, t, "x.seller.verify", {"type": "seller", "id": self.sel_id[s]}, purpose=pp,
                        extra={"legal_entity": self.sent[s], "check": "kyc"})
                t += rw.randint(2, 10) * MIN
                self.ee(e, ctx, t, "account.reactivate", {"type": "seller", "id": self.sel_id[s]}, purpose=pp)
                self.s_set(s, t, False)
                self.lk("kyc_reactivations_without_appeal")
            elif not self.sban[s]:
                self.kyc_hold.pop(0)
        for _ in range(rw.randint(5, 12)):
            t += rw.randint(10, 45) * MIN
            if t >= ctx.end:
                break
            s = rw.randrange(self.NS)
            self.ee(e, ctx, t, "x.seller.verify", {"type": "seller", "id": self.sel_id[s]},
                    extra={"legal_entity": self.sent[s], "check": rw.choice(["kyc", "bank", "tax", "address"])})

    # ----------------------------------------------------------- review integrity
    def work_mod(self, e, ctx, d):
        rw = self.rw
        t = ctx.start + rw.randint(3, 10) * MIN
        n = poisson(rw, 15.0 * e.speed)
        gap = (ctx.end - t) / max(1, n + 1)
        for _ in range(n):
            t += int(gap * rw.uniform(0.4, 1.3))
            if t >= ctx.end:
                break
            dispute = rw.random() < 0.35
            tk = (self.disputeq if dispute else self.flagq).pop(t)
            if tk is None:
                tk = (self.flagq if dispute else self.disputeq).pop(t)
            if tk is None:
                # listing / photo queue
                sx = rw.choices(self.sidx, cum_weights=self.scum, k=1)[0]
                prod = rw.choice(self.sprod[sx])
                pp = {"code": "quality_review", "reason": "listing queue"}
                self.ee(e, ctx, t, "x.listing.review", {"type": "product", "id": prod}, purpose=pp,
                        extra={"seller": self.sel_id[sx]})
                if rw.random() < 0.12:
                    t += rw.randint(30, 120) * SEC
                    self.ee(e, ctx, t, "x.listing.remove", {"type": "product", "id": prod}, purpose=pp,
                            extra={"seller": self.sel_id[sx], "rule": rw.choice(["misleading", "photo-quality", "prohibited"])})
                    self.listing_appeal(sx, prod, t)
                t += rw.randint(1, 4) * MIN
                continue
            t = self.moderate(e, ctx, tk, t)

    def moderate(self, e, ctx, tk, t, decide=None):
        rw = self.rw
        ri = tk.review
        rid = self.r_id[ri]
        auto = tk.topic == "auto_flag"
        purpose = {"ticket": tk.id, "code": "quality_review" if auto else "seller_request"}
        self.ee(e, ctx, t, "ticket.assign", {"type": "ticket", "id": tk.id}, extra={"queue": "flags" if auto else "disputes"})
        t += rw.randint(20, 90) * SEC
        self.ee(e, ctx, t, "x.review.view", {"type": "review", "id": rid}, purpose=purpose)
        if rw.random() < (0.08 if auto else 0.25):
            t += rw.randint(20, 90) * SEC
            self.ee(e, ctx, t, "customer.view", self.ctgt(self.r_cust[ri]), fields=["reviews", "orders"], purpose=purpose)
        t += rw.randint(30, 180) * SEC
        ctx.cases.append((t, tk))
        if not self.r_alive(ri, t):
            self.close_ticket(e, ctx, t, tk, "already_removed")
            return t
        if decide is None:
            if auto:
                decide = rw.random() < 0.45
            else:
                decide = rw.random() < (0.05 if self.r_sel[ri] in self.g_sellers else 0.2)
        if decide:
            reason = rw.choice(["spam", "abuse", "off_topic"]) if auto else rw.choice(["seller_request", "off_topic", "abuse"])
            self.ee(e, ctx, t, "review.delete", {"type": "review", "id": rid}, purpose=purpose, extra={"reason": reason})
            self.r_set(ri, t, False)
            self.r_deltime[ri] = t
            self.recent_del.append((t, ri, e))
            t += rw.randint(10, 60) * SEC
            self.close_ticket(e, ctx, t, tk, "removed")
        else:
            self.ee(e, ctx, t, "x.review.keep", {"type": "review", "id": rid}, purpose=purpose)
            t += rw.randint(10, 60) * SEC
            self.close_ticket(e, ctx, t, tk, "kept")
        return t + rw.randint(1, 4) * MIN

    def work_modlead(self, e, ctx, d):
        rw = self.rw
        t = ctx.start + rw.randint(10, 40) * MIN
        if rw.random() < 0.3:
            # clean-up straight from the review page (profanity reports by e-mail), no ticket
            cand = []
            for _ in range(40):
                if not self.r_id:
                    break
                rj = rw.randrange(len(self.r_id))
                if self.r_live[rj] and self.r_time[rj] < ctx.start and self.r_rating[rj] <= 2:
                    cand.append(rj)
            for rj in list(dict.fromkeys(cand))[:rw.randint(1, 4)]:
                tt = ctx.start + rw.randrange(max(MIN, ctx.end - ctx.start))
                if not self.r_alive(rj, tt):
                    continue
                pp = self.loose_purpose("quality_review", ["profanity report", "spam wave", None], p_none=0.4)
                self.ee(e, ctx, tt, "x.review.view", {"type": "review", "id": self.r_id[rj]}, purpose=pp)
                self.ee(e, ctx, tt + rw.randint(20, 120) * SEC, "review.delete", {"type": "review", "id": self.r_id[rj]},
                        purpose=pp, extra={"reason": rw.choice(["abuse", "abuse", "other"])})
                self.r_set(rj, tt + 120 * SEC, False)
                self.lk("modlead_deletions_without_ticket")
        items = [x for x in self.recent_del if x[0] < t]
        for _ in range(min(len(items), rw.randint(8, 20))):
            tdel, ri, who = rw.choice(items)
            t += rw.randint(2, 15) * MIN
            if t >= ctx.end:
                break
            self.ee(e, ctx, t, "x.review.view", {"type": "review", "id": self.r_id[ri]},
                    purpose={"code": "quality_review", "reason": "deletion QA"}, extra={"moderator": who.id})
            if rw.random() < 0.08 and self.r_gone(ri, t + 30 * SEC):
                t += rw.randint(30, 120) * SEC
                self.ee(e, ctx, t, "review.restore", {"type": "review", "id": self.r_id[ri]},
                        purpose={"code": "quality_review", "reason": "deletion QA"})
                self.r_set(ri, t, True)
                self.lk("review_restores_by_qa")

    # ----------------------------------------------------------- appeals
    def work_appeals(self, e, ctx, d):
        rw = self.rw
        t = ctx.start + rw.randint(5, 20) * MIN
        if d >= self.p2 and self.pol_rollback is not None and e in self.rollback_team:
            t = self.rollback(e, ctx, d, t)
        n = poisson(rw, 12.0)
        gap = (ctx.end - t) / max(1, n + 1)
        for _ in range(n):
            t += int(gap * rw.uniform(0.4, 1.3))
            if t >= ctx.end:
                break
            tk = self.appealq.pop(t)
            if tk is None:
                continue
            t = self.appeal(e, ctx, tk, t)

    def appeal(self, e, ctx, tk, t, reinstate=None):
        rw = self.rw
        purpose = {"ticket": tk.id, "code": "seller_request" if tk.sel is not None else "customer_request"}
        self.ee(e, ctx, t, "ticket.assign", {"type": "ticket", "id": tk.id}, extra={"queue": "appeals"})
        t += rw.randint(1, 5) * MIN
        ctx.cases.append((t, tk))
        if tk.topic == "listing_appeal":
            s = tk.sel
            self.ee(e, ctx, t, "x.listing.view", {"type": "product", "id": tk.review}, purpose=purpose,
                    extra={"seller": self.sel_id[s]})
            t += rw.randint(2, 12) * MIN
            if rw.random() < 0.4:
                self.ee(e, ctx, t, "x.listing.restore", {"type": "product", "id": tk.review}, purpose=purpose,
                        extra={"seller": self.sel_id[s], "appeal": tk.id})
                t += rw.randint(20, 90) * SEC
                self.close_ticket(e, ctx, t, tk, "listing_restored")
            else:
                self.close_ticket(e, ctx, t, tk, "upheld")
        elif tk.sel is not None:
            s = tk.sel
            self.ee(e, ctx, t, "x.seller.view", {"type": "seller", "id": self.sel_id[s]}, purpose=purpose,
                    extra={"legal_entity": self.sent[s]})
            ol = [oi for oi in self.s_orders[s][-40:] if self.o_time[oi] < t and self.o_cust[oi] not in self.honey_set]
            for oi in rw.sample(ol, min(len(ol), rw.randint(0, 3))):
                t += rw.randint(30, 150) * SEC
                self.ee(e, ctx, t, "order.view", {"type": "order", "id": self.o_id[oi]}, purpose=purpose,
                        extra={"customer": self.cust_id[self.o_cust[oi]], "seller": self.sel_id[s]})
            t += rw.randint(3, 15) * MIN
            if not self.s_inactive(s, t):
                self.close_ticket(e, ctx, t, tk, "already_reinstated")
                return t
            if reinstate is None:
                reinstate = rw.random() < 0.35
            if reinstate:
                self.ee(e, ctx, t, "account.reactivate", {"type": "seller", "id": self.sel_id[s]}, purpose=purpose,
                        extra={"appeal": tk.id})
                self.s_set(s, t, False)
                t += rw.randint(20, 90) * SEC
                self.close_ticket(e, ctx, t, tk, "reinstated")
            else:
                self.close_ticket(e, ctx, t, tk, "upheld")
        else:
            c = tk.cust
            self.ee(e, ctx, t, "customer.view", self.ctgt(c), fields=["name", "email", "orders", "account"], purpose=purpose)
            t += rw.randint(3, 12) * MIN
            if c in self.cban and self.cban[c] < t and rw.random() < 0.3:
                self.ee(e, ctx, t, "account.reactivate", self.ctgt(c), purpose=purpose, extra={"appeal": tk.id})
                del self.cban[c]
                t += rw.randint(20, 90) * SEC
                self.close_ticket(e, ctx, t, tk, "reinstated")
            else:
                self.close_ticket(e, ctx, t, tk, "upheld")
        return t

    def rollback(self, e, ctx, d, t):
        """policy rollback: reinstate every shop banned by the faulty sweep"""
        rw = self.rw
        pol = self.pol_rollback
        team = self.rollback_team
        pos = team.index(e)
        mine = [s for k, s in enumerate(self.sweep_sellers) if self.sban[s] and k % len(team) == pos]
        done = 0
        for s in mine:
            t += rw.randint(40, 240) * SEC
            if not self.s_inactive(s, t):
                continue
            tk = self.seller_appeal.get(s)
            ap = tk.id if (tk is not None and tk.open < t and not tk.closed) else pol.id
            self.ee(e, ctx, t, "account.reactivate", {"type": "seller", "id": self.sel_id[s]},
                    purpose={"ticket": pol.id, "code": "quality_review", "approval": self.rollback_apv},
                    extra={"appeal": ap, "bulk": True})
            self.s_set(s, t, False)
            done += 1
            if tk is not None and tk.open < t and not tk.closed:
                tk.closed = True
                self.ee(e, ctx, t + 2 * SEC, "ticket.close", {"type": "ticket", "id": tk.id},
                        extra={"resolution": "reinstated_policy_rollback"})
        if done:
            self.look.append({"kind": "appeals_bulk_reinstatement_after_policy_rollback", "day": d,
                              "employee": e.id, "sellers": done, "ticket": pol.id})
        return t

    # ----------------------------------------------------------- brand protection
    def work_brand(self, e, ctx, d):
        rw = self.rw
        t = ctx.start + rw.randint(5, 20) * MIN
        if d >= self.sweep_day and self.sweep_case is not None and not self.sweep_done:
            self.sweep_done = True
            t = self.brand_sweep(e, ctx, d, t)
        n = poisson(rw, 2.5)
        gap = (ctx.end - t) / max(1, n + 1)
        for _ in range(n):
            t += int(gap * rw.uniform(0.4, 1.3))
            if t >= ctx.end:
                break
            tk = self.brandq.pop(t)
            if tk is None:
                continue
            s = tk.sel
            purpose = {"ticket": tk.id, "code": "fraud_investigation"}
            self.ee(e, ctx, t, "ticket.assign", {"type": "ticket", "id": tk.id}, extra={"queue": "brand"})
            t += rw.randint(1, 5) * MIN
            self.ee(e, ctx, t, "x.seller.view", {"type": "seller", "id": self.sel_id[s]}, purpose=purpose,
                    extra={"legal_entity": self.sent[s]})
            ctx.cases.append((t, tk))
            ol = [oi for oi in self.s_orders[s][-80:] if self.o_time[oi] < t and self.o_cust[oi] not in self.honey_set]
            for oi in rw.sample(ol, min(len(ol), rw.randint(2, 6))):
                t += rw.randint(30, 150) * SEC
                self.ee(e, ctx, t, "order.view", {"type": "order", "id": self.o_id[oi]}, purpose=purpose,
                        extra={"customer": self.cust_id[self.o_cust[oi]], "seller": self.sel_id[s]})
                if rw.random() < 0.25:
                    t += rw.randint(30, 120) * SEC
                    self.ee(e, ctx, t, "customer.view", self.ctgt(self.o_cust[oi]), fields=["name", "address", "orders"],
                            purpose=purpose)
            t += rw.randint(5, 25) * MIN
            if rw.random() < 0.1 and self.s_active(s, t):
                self.ee(e, ctx, t, "account.suspend", {"type": "seller", "id": self.sel_id[s]}, purpose=purpose,
                        extra={"reason": "counterfeit"})
                self.s_set(s, t, True)
                t += rw.randint(20, 60) * SEC
                self.close_ticket(e, ctx, t, tk, "seller_suspended")
            else:
                self.close_ticket(e, ctx, t, tk, rw.choice(["no_infringement", "listing_removed", "warning_sent"]))

    def brand_sweep(self, e, ctx, d, t):
        rw = self.rw
        s = self.cseller
        tk = self.sweep_case
        purpose = {"ticket": tk.id, "code": "fraud_investigation"}
        self.ee(e, ctx, t, "ticket.assign", {"type": "ticket", "id": tk.id}, extra={"queue": "brand"})
        t += rw.randint(2, 6) * MIN
        self.ee(e, ctx, t, "x.seller.view", {"type": "seller", "id": self.sel_id[s]}, purpose=purpose,
                extra={"legal_entity": self.sent[s]})
        t += rw.randint(5, 15) * MIN
        if self.s_active(s, t):
            self.ee(e, ctx, t, "account.suspend", {"type": "seller", "id": self.sel_id[s]}, purpose=purpose,
                    extra={"reason": "counterfeit"})
            self.s_set(s, t, True)
        revs = [ri for ri in self.s_reviews[s] if self.r_live[ri] and self.r_time[ri] < t and self.r_rating[ri] >= 4]
        rw.shuffle(revs)
        revs = revs[:rw.randint(30, 80)]
        ndel = 0
        for ri in revs:
            t += rw.randint(25, 110) * SEC + rw.randrange(SEC)
            if not self.r_alive(ri, t):
                continue
            self.ee(e, ctx, t, "review.delete", {"type": "review", "id": self.r_id[ri]}, purpose=purpose,
                    extra={"reason": "spam", "batch": "sweep-" + tk.id})
            ndel += 1
            self.r_set(ri, t, False)
            self.r_deltime[ri] = t
        t += rw.randint(3, 10) * MIN
        self.close_ticket(e, ctx, t, tk, "seller_suspended_reviews_purged")
        self.look.append({"kind": "brand_protection_review_sweep", "day": d, "employee": e.id,
                          "seller": self.sel_id[s], "reviews_deleted": ndel, "ticket": tk.id})
        return t

    # ----------------------------------------------------------- marketplace risk
    def work_risk(self, e, ctx, d):
        rw = self.rw
        t = ctx.start + rw.randint(5, 20) * MIN
        if self.bi <= d <= self.bi + 3 and self.scam_case is not None and (self.scam_inv is None or self.scam_inv is e):
            if self.scam_inv is None:
                self.scam_inv = e
            t = self.scam_investigation(e, ctx, d, t)
        n = poisson(rw, 3.0)
        gap = (ctx.end - t) / max(1, n + 1)
        for _ in range(n):
            t += int(gap * rw.uniform(0.4, 1.3))
            if t >= ctx.end:
                break
            tk = self.riskq.pop(t)
            if tk is None:
                continue
            t = self.risk_case(e, ctx, tk, t)
        if rw.random() < 0.4 and d > 0:
            oi = self.recent_order(d, lookback=7)
            if oi is not None:
                tq = ctx.start + rw.randrange(max(MIN, ctx.end - ctx.start))
                self.ee(e, ctx, tq, "customer.view", self.ctgt(self.o_cust[oi]), fields=["name", "email", "payment", "orders"],
                        purpose=self.loose_purpose("fraud_investigation", ["monitoring alert", "chargeback", None]))

    def risk_case(self, e, ctx, tk, t):
        rw = self.rw
        s = tk.sel
        purpose = {"ticket": tk.id, "code": "fraud_investigation"}
        self.ee(e, ctx, t, "ticket.assign", {"type": "ticket", "id": tk.id}, extra={"queue": "risk"})
        t += rw.randint(1, 5) * MIN
        ctx.cases.append((t, tk))
        if tk.cust is not None:
            self.ee(e, ctx, t, "customer.view", self.ctgt(tk.cust), fields=["name", "email", "orders", "payment"], purpose=purpose)
        if s is not None:
            ol = [oi for oi in self.s_orders[s][-120:] if self.o_time[oi] < t and self.o_cust[oi] not in self.honey_set]
            for oi in rw.sample(ol, min(len(ol), rw.randint(2, 7))):
                t += rw.randint(30, 150) * SEC
                self.ee(e, ctx, t, "order.view", {"type": "order", "id": self.o_id[oi]}, purpose=purpose,
                        extra={"customer": self.cust_id[self.o_cust[oi]], "seller": self.sel_id[s]})
                if rw.random() < 0.4:
                    t += rw.randint(30, 120) * SEC
                    self.ee(e, ctx, t, "customer.view", self.ctgt(self.o_cust[oi]),
                            fields=["name", "email", "orders"], purpose=purpose)
            if rw.random() < 0.25 and ol:
                t += rw.randint(1, 5) * MIN
                res = list(dict.fromkeys(self.cust_id[self.o_cust[oi]] for oi in ol[-rw.randint(10, 60):]))
                self.ee(e, ctx, t, "customer.search", targets=res, fields=["name", "email"], purpose=purpose,
                        extra={"query": "seller:%s since:30d" % self.sel_id[s]})
                self.lk("risk_searches_buyers_of_one_seller")
        t += rw.randint(5, 30) * MIN
        r = rw.random()
        if s is not None and r < 0.04 and self.s_active(s, t) and s not in self.special:
            self.ee(e, ctx, t, "account.suspend", {"type": "seller", "id": self.sel_id[s]}, purpose=purpose,
                    extra={"reason": "fraud"})
            self.s_set(s, t, True)
            t += rw.randint(20, 60) * SEC
            self.close_ticket(e, ctx, t, tk, "seller_suspended")
        else:
            self.close_ticket(e, ctx, t, tk, rw.choice(["no_action", "refund_forced", "warning_sent", "monitoring"]))
        return t

    def scam_investigation(self, e, ctx, d, t):
        rw = self.rw
        s = self.scam
        tk = self.scam_case
        purpose = {"ticket": tk.id, "code": "fraud_investigation"}
        if d == self.bi or not self.scam_started:
            self.scam_started = True
            self.ee(e, ctx, t, "ticket.assign", {"type": "ticket", "id": tk.id}, extra={"queue": "risk"})
            t += rw.randint(2, 8) * MIN
        ctx.cases.append((t, tk))
        buyers = [oi for oi in self.s_orders[s] if self.o_time[oi] < t and self.o_cust[oi] not in self.honey_set]
        todo = [oi for oi in buyers if self.o_cust[oi] not in self.scam_seen]
        rw.shuffle(todo)
        k = 0
        if rw.random() < 0.7 and buyers:
            res = list(dict.fromkeys(self.cust_id[self.o_cust[oi]] for oi in buyers[-rw.randint(40, 120):]))
            self.ee(e, ctx, t, "customer.search", targets=res, fields=["name", "email", "orders"], purpose=purpose,
                    extra={"query": "seller:%s buyers" % self.sel_id[s]})
            t += rw.randint(1, 4) * MIN
        for oi in todo[:rw.randint(20, 40)]:
            c = self.o_cust[oi]
            self.scam_seen.add(c)
            t += rw.randint(60, 420) * SEC
            self.ee(e, ctx, t, "order.view", {"type": "order", "id": self.o_id[oi]}, purpose=purpose,
                    extra={"customer": self.cust_id[c], "seller": self.sel_id[s]})
            t += rw.randint(20, 90) * SEC
            self.ee(e, ctx, t, "customer.view", self.ctgt(c), fields=["name", "email", "address", "payment", "orders"],
                    purpose=purpose)
            k += 1
        # victims' own reports are closed as linked to the master case
        for rep in self.scam_reports:
            if not rep.closed and rep.open < t:
                t += rw.randint(10, 60) * SEC
                self.ee(e, ctx, t, "ticket.assign", {"type": "ticket", "id": rep.id}, extra={"queue": "risk"})
                self.close_ticket(e, ctx, t + rw.randint(20, 90) * SEC, rep, "linked_to_" + tk.id)
                t += 2 * MIN
        if d >= self.bi + 1 and self.s_active(s, t + 5 * MIN):
            t += rw.randint(5, 20) * MIN
            self.ee(e, ctx, t, "account.suspend", {"type": "seller", "id": self.sel_id[s]}, purpose=purpose,
                    extra={"reason": "fraud"})
            self.s_set(s, t, True)
        self.look.append({"kind": "investigator_reviews_many_buyers_of_one_seller", "day": d, "employee": e.id,
                          "seller": self.sel_id[s], "customers_viewed": k, "ticket": tk.id})
        return t

    # ----------------------------------------------------------- policy
    def work_policy(self, e, ctx, d):
        rw = self.rw
        t = ctx.start + rw.randint(5, 20) * MIN
        for _ in range(rw.randint(3, 8)):
            t += rw.randint(5, 40) * MIN
            if t >= ctx.end:
                break
            s = rw.choices(self.sidx, cum_weights=self.scum, k=1)[0]
            prod = rw.choice(self.sprod[s])
            self.ee(e, ctx, t, "x.listing.remove", {"type": "product", "id": prod},
                    purpose={"code": "quality_review", "reason": "prohibited item"},
                    extra={"seller": self.sel_id[s], "rule": rw.choice(["prohibited", "misleading", "ip-claim", "medical-claim"])})
            self.listing_appeal(s, prod, t)
        sweep = (d % 14 == 0) and e is self.sweep_owner
        k = (1 if rw.random() < 0.06 else 0) + (rw.randint(4, 9) if sweep else 0)
        if k:
            tk = self.open_ticket(t, self.sysa("svc-jira"), "POL", "other", "enforcement_batch" if sweep else "enforcement",
                                  channel="internal")
            if tk is None:
                return
            purpose = {"ticket": tk.id, "code": "quality_review"}
            t += rw.randint(2, 10) * MIN
            self.ee(e, ctx, t, "ticket.assign", {"type": "ticket", "id": tk.id}, extra={"queue": "policy"})
            ctx.cases.append((t, tk))
            done = 0
            for _ in range(k):
                s = rw.randrange(self.NS)
                t += rw.randint(2, 12) * MIN
                if not self.s_active(s, t) or s in self.special:
                    continue
                self.ee(e, ctx, t, "account.suspend", {"type": "seller", "id": self.sel_id[s]}, purpose=purpose,
                        extra={"reason": "policy"})
                self.s_set(s, t, True)
                done += 1
                if rw.random() < 0.6:
                    at = t + rw.randint(3 * HOUR, 3 * DAY)
                    ap = self.open_ticket(at, {"type": "seller", "id": self.sel_id[s]}, "APL", "appeal", "seller_ban_appeal",
                                          sel=s, channel="seller-center",
                                          extra={"attachments": rw.randint(1, 5), "words": rw.randint(60, 600),
                                                 "text_sha": "%08x" % rw.getrandbits(32)})
                    if ap:
                        self.seller_appeal[s] = ap
                        self.appealq.push(at + 10 * MIN, ap)
            t += rw.randint(2, 10) * MIN
            self.close_ticket(e, ctx, t, tk, "done")
            if sweep:
                self.look.append({"kind": "policy_enforcement_sweep", "day": d, "employee": e.id, "suspended": done})

    # ----------------------------------------------------------- privacy office
    def work_privacy(self, e, ctx, d):
        rw = self.rw
        t = ctx.start + rw.randint(5, 20) * MIN
        if d >= self.regulator_day and self.regulator_tk is not None and not self.regulator_done:
            self.regulator_done = True
            tk = self.regulator_tk
            purpose = {"ticket": tk.id, "code": "legal", "approval": self.regulator_apv}
            self.ee(e, ctx, t, "ticket.assign", {"type": "ticket", "id": tk.id}, extra={"queue": "privacy"})
            t += rw.randint(5, 30) * MIN
            k = rw.randint(150, 300)
            tg = list(dict.fromkeys(self.cust_id[self.rand_cust()] for _ in range(k)))
            self.ee(e, ctx, t, "customer.export", targets=tg,
                    fields=["name", "email", "address", "orders", "account"], purpose=purpose,
                    extra={"format": "csv", "destination": "regulator-sftp"})
            t += rw.randint(10, 40) * MIN
            self.close_ticket(e, ctx, t, tk, "delivered")
            self.look.append({"kind": "privacy_office_regulator_export", "day": d, "employee": e.id,
                              "customers": len(tg), "ticket": tk.id})
        for _ in range(rw.randint(1, 4)):
            t += rw.randint(10, 60) * MIN
            if t >= ctx.end:
                break
            tk = self.dprq.pop(t)
            if tk is None:
                break
            purpose = {"ticket": tk.id, "code": "customer_request"}
            self.ee(e, ctx, t, "ticket.assign", {"type": "ticket", "id": tk.id}, extra={"queue": "privacy"})
            t += rw.randint(2, 10) * MIN
            self.ee(e, ctx, t, "customer.view", self.ctgt(tk.cust),
                    fields=["name", "email", "phone", "address", "payment", "orders", "reviews", "account"], purpose=purpose)
            ctx.cases.append((t, tk))
            t += rw.randint(5, 25) * MIN
            if tk.topic == "dsar":
                self.ee(e, ctx, t, "customer.export", targets=[self.cust_id[tk.cust]],
                        fields=["name", "email", "phone", "address", "payment", "orders", "reviews", "account"],
                        purpose=purpose, extra={"format": "json", "destination": "customer-portal"})
                res = "export_delivered"
            else:
                self.ee(e, ctx, t, "x.customer.erase", self.ctgt(tk.cust), purpose=purpose)
                res = "erased"
            t += rw.randint(2, 10) * MIN
            self.close_ticket(e, ctx, t, tk, res)
            self.lk("privacy_dsar_exports")

    # ----------------------------------------------------------- legal
    def work_legal(self, e, ctx, d):
        rw = self.rw
        t = ctx.start + rw.randint(5, 20) * MIN
        if d >= self.subpoena and self.subpoena_tk is not None and not self.subpoena_done and self.scam_seen:
            self.subpoena_done = True
            tk = self.subpoena_tk
            apv = "apv-" + b32(rw.getrandbits(40), 8)
            purpose = {"ticket": tk.id, "code": "legal", "approval": apv}
            self.ee(e, ctx, t, "ticket.assign", {"type": "ticket", "id": tk.id}, extra={"queue": "legal"})
            t += rw.randint(10, 40) * MIN
            tg = [self.cust_id[c] for c in sorted(self.scam_seen)]
            self.ee(e, ctx, t, "customer.export", targets=tg, fields=["name", "email", "address", "orders"],
                    purpose=purpose, extra={"format": "pdf", "destination": "court-portal"})
            t += rw.randint(10, 40) * MIN
            self.close_ticket(e, ctx, t, tk, "produced")
            self.look.append({"kind": "legal_subpoena_export_buyers_of_one_seller", "day": d, "employee": e.id,
                              "customers": len(tg), "ticket": tk.id})
        for _ in range(rw.randint(1, 3)):
            t += rw.randint(15, 90) * MIN
            if t >= ctx.end:
                break
            tk = self.leq.pop(t)
            if tk is None:
                break
            apv = "apv-" + b32(rw.getrandbits(40), 8)
            purpose = {"ticket": tk.id, "code": "legal", "approval": apv}
            self.ee(e, ctx, t, "ticket.assign", {"type": "ticket", "id": tk.id}, extra={"queue": "legal"})
            ctx.cases.append((t, tk))
            custs = [tk.cust] + [self.rand_cust() for _ in range(rw.choice((0, 0, 0, 1, 2)))]
            for c in custs:
                t += rw.randint(2, 10) * MIN
                self.ee(e, ctx, t, "customer.view", self.ctgt(c),
                        fields=["name", "email", "phone", "address", "payment", "orders"], purpose=purpose)
            t += rw.randint(10, 30) * MIN
            self.ee(e, ctx, t, "customer.export", targets=[self.cust_id[c] for c in dict.fromkeys(custs)],
                    fields=["name", "email", "phone", "address", "orders"], purpose=purpose,
                    extra={"format": "pdf", "destination": "le-portal"})
            t += rw.randint(5, 20) * MIN
            self.close_ticket(e, ctx, t, tk, "produced")

    # ----------------------------------------------------------- data platform
    def work_data(self, e, ctx, d):
        rw = self.rw
        t = ctx.start + rw.randint(10, 40) * MIN
        if e.project and self.mig[0] <= d <= self.mig[1] and self.mig_tk is not None:
            purpose = {"ticket": self.mig_tk.id, "code": "quality_review"}
            nb = rw.randint(2, 5)
            tot = 0
            for _ in range(nb):
                t += rw.randint(15, 70) * MIN
                if t >= ctx.end:
                    break
                k = rw.randint(400, 1200)
                lo = rw.randrange(self.NC)
                tg = []
                for j in range(k):
                    c = (lo + j * 7) % self.NC
                    if c not in self.honey_set:
                        tg.append(self.cust_id[c])
                tg = list(dict.fromkeys(tg))
                shard = "%02d" % rw.randrange(64)
                self.ee(e, ctx, t, "customer.search", targets=tg, fields=["name", "address"], purpose=purpose,
                        extra={"query": "migration:addr-v2 shard:%s" % shard, "batch": "bat-" + b32(rw.getrandbits(40), 8)})
                tot += len(tg)
            if tot:
                self.look.append({"kind": "data_migration_bulk_reads", "day": d, "employee": e.id,
                                  "records": tot, "ticket": self.mig_tk.id})
        for _ in range(rw.randint(0, 2)):
            t += rw.randint(20, 90) * MIN
            if t >= ctx.end:
                break
            tk = self.dqq.pop(t)
            if tk is None:
                break
            purpose = {"ticket": tk.id, "code": "quality_review"}
            self.ee(e, ctx, t, "ticket.assign", {"type": "ticket", "id": tk.id}, extra={"queue": "data-quality"})
            t += rw.randint(5, 30) * MIN
            self.ee(e, ctx, t, "customer.view", self.ctgt(tk.cust), fields=["name", "address", "account"], purpose=purpose)
            ctx.cases.append((t, tk))
            t += rw.randint(10, 60) * MIN
            self.close_ticket(e, ctx, t, tk, "fixed")

    def work_wfm(self, e, ctx, d):
        rw = self.rw
        t = ctx.start + rw.randint(10, 40) * MIN
        for _ in range(rw.randint(2, 6)):
            t += rw.randint(20, 90) * MIN
            if t >= ctx.end:
                break
            self.ee(e, ctx, t, rw.choice(["x.forecast.run", "x.schedule.publish", "x.queue.report"]),
                    extra={"scope": rw.choice(["care-global", "care-mnl", "care-lis", "care-aus", "moderation"])})

    # ======================================================================
    # insiders
    # ======================================================================
    def mark(self, ins, ev, custs=()):
        if ev is None:
            return
        self.out.mal[id(ev)] = ins
        ins.acts += 1
        a = ev["action"]
        ins.by_action[a] = ins.by_action.get(a, 0) + 1
        for c in custs:
            ins.customers.add(c)

    def home_ctx(self, e, d, t0):
        ctx = self.make_ctx(e, d, start=t0, end=min(d * DAY + DAY - 10 * MIN, t0 + 2 * HOUR), home=True)
        return ctx

    def offhours_time(self, e, d):
        ri = self.ri
        s, en = e.shift
        cands = []
        if en + 90 < 1290:
            cands.append((en + 90, min(1320, en + 300)))
        if s - 90 > 20:
            cands.append((max(15, s - 300), s - 90))
        if not cands:
            return None
        lo, hi = ri.choice(cands)
        return d * DAY + ri.randint(lo, hi) * MIN + ri.randrange(MIN)

    def session_ctx(self, ins, d, ctx):
        """decide where the insider acts today: inside the shift or from home off-hours"""
        e = ins.e
        ri = self.ri
        if ctx is None or (not ins.subtle and ins.story != "slow_drip" and ri.random() < 0.25):
            t0 = self.offhours_time(e, d)
            if t0 is not None:
                ins.offhours += 1
                return self.home_ctx(e, d, t0), True
        if ctx is None:
            return None, False
        return ctx, False

    def cover_p(self, ins):
        if ins.story == "slow_drip":   # the slow insider always works under real-looking tickets
            return (0.7 + 0.3 * self.cover) if ins.subtle else 0.4 + 0.5 * self.cover
        return (0.55 + 0.45 * self.cover) if ins.subtle else 0.6 * self.cover

    def act_times(self, ins, ctx, off, n, covers):
        """n act times; each paired with a cover ticket (or None)"""
        ri = self.ri
        res = []
        pc = self.cover_p(ins)
        if off:
            t = ctx.start + ri.randint(1, 6) * MIN
            for _ in range(n):
                t += ri.randint(40, 360) * SEC + ri.randrange(SEC)
                tk = None
                if covers and ri.random() < pc:
                    c = [x for x in covers if x[0] < t]
                    if c:
                        tk = ri.choice(c)[1]
                res.append((t, tk))
            return res
        for _ in range(n):
            tk = None
            if covers and ri.random() < pc:
                tc, tk = ri.choice(covers)
                t = tc + ri.randint(20, 600) * SEC + ri.randrange(SEC)
                if t < ctx.start or t > ctx.end + 20 * MIN:
                    t = max(ctx.start, tc + MIN) + ri.randrange(max(MIN, ctx.end - max(ctx.start, tc + MIN)))
                    if t > ctx.end + 20 * MIN:
                        tk = None
                        t = ctx.start + ri.randrange(max(MIN, ctx.end - ctx.start))
            else:
                t = ctx.start + ri.randrange(max(MIN, ctx.end - ctx.start))
            res.append((t, tk))
        res.sort(key=lambda x: x[0])
        return res

    def insider_day(self, ins, d, ctx, pre=False):
        if d < ins.a0 or d > ins.a1 or ins.p_day <= 0:
            return
        e = ins.e
        if e.leave is not None and d > e.leave:
            return
        st = ins.story
        if pre:
            if st == "review_removal":
                self.claim_disputes(ins, d, ctx)
            return
        if st in ("review_removal", "seller_reinstatement"):
            if st == "seller_reinstatement":
                self.act_reinstate(ins, d, ctx)
            else:
                self.act_reviews(ins, d, ctx)
            return
        forced = d == ins.force_day and ins.acts == 0
        last = d == ins.workdays[-1] and ins.acts == 0
        if st == "pre_departure_export" and d == ins.workdays[-1] and not ins.final_done:
            forced = True
        if ctx is None:
            if not (forced or last):
                if ins.subtle or self.ri.random() > 0.05 * self.intensity:
                    return
        if not (forced or last) and self.ri.random() >= ins.p_day:
            return
        if st in ("data_sale", "broker_ring", "supervisor_abuse", "slow_drip"):
            self.act_sale(ins, d, ctx)
        elif st == "pre_departure_export":
            self.act_departure(ins, d, ctx)
        elif st == "portfolio_leak":
            self.act_portfolio(ins, d, ctx)

    def pool(self, ins, t, sellers):
        sold = ins.ring["sold"] if ins.ring else ins.customers
        res = []
        hs = self.honey_set
        for s in sellers:
            for oi in self.s_orders[s]:
                if self.o_time[oi] < t:
                    c = self.o_cust[oi]
                    if c not in hs and c not in sold:
                        res.append((c, oi))
            for rj in self.s_reviews[s]:
                if self.r_time[rj] < t:
                    c = self.r_cust[rj]
                    if c not in hs and c not in sold:
                        res.append((c, None))
        return res

    def sale_fields(self, ins, covered):
        ri = self.ri
        if covered or ins.subtle:
            return ri.choice([["name", "orders", "address"], ["account", "email", "phone"], ["name", "email", "orders"],
                              ["name", "address"], ["name", "orders", "address", "phone"]])
        f = ["name", "email", "phone", "address"]
        if ri.random() < 0.5:
            f.append("orders")
        return f

    def act_sale(self, ins, d, ctx):
        """disclose buyers/reviewers of the beneficiary shop (several stories)"""
        ri = self.ri
        e = ins.e
        st = ins.story
        cx, off = self.session_ctx(ins, d, ctx)
        if cx is None:
            return
        ins.sessions += 1
        if st == "slow_drip":
            n = ri.randint(1, 2)
        elif ins.subtle:
            n = ri.randint(1, 3)
        else:
            n = ri.randint(3, 10)
        n = max(1, int(round(n * max(1.0, self.intensity))))
        covers = list(ctx.cases) if ctx is not None else []
        if st == "data_sale" and ctx is not None:
            covers += ctx.peeks
        if st == "supervisor_abuse":
            rec = self.team_recent.get(e.team) or ()
            covers += [(x[0], x[1]) for x in list(rec)[-60:] if ctx is None or x[0] < cx.end]
        code = {"data_sale": "customer_request", "slow_drip": "customer_request",
                "supervisor_abuse": "quality_review"}.get(st, "customer_request")
        if st == "broker_ring":
            code = "fraud_investigation" if e.kind == "risk" else "customer_request"
        plan = self.act_times(ins, cx, off, n, covers)
        tmin = plan[0][0]
        pool = self.pool(ins, tmin, ins.targets_from)
        # the honeytoken: the broker's list of the shop's buyers contains a decoy
        honey = None
        if ins.honey is not None and not ins.honey_done:
            hts = [oi for oi in self.s_orders[ins.sellers[0]] if self.o_cust[oi] == ins.honey and self.o_time[oi] < tmin]
            if hts:
                honey = (ins.honey, hts[0])
        if not pool and honey is None:
            # nothing bought yet: pick people who bought anything recently
            oi = self.recent_order(d, lookback=14)
            if oi is None:
                return
            pool = [(self.o_cust[oi], oi)]
        # blatant brokers sometimes pull a list by shop first
        if not ins.subtle and st != "slow_drip" and ri.random() < 0.3 and len(pool) > 5:
            t, tk = plan[0]
            k = min(len(pool), ri.randint(8, 25))
            lst = list(dict.fromkeys(c for c, _ in ri.sample(pool, k)))
            if honey is not None:
                lst.append(honey[0])
                ins.honey_done = True
            purpose = {"ticket": tk.id, "code": code} if tk is not None else None
            tsr = max(cx.start, t - ri.randint(30, 120) * SEC - ri.randrange(SEC))
            if tk is not None:
                tsr = max(tsr, tk.open + ri.randint(5, 30) * SEC)
            tsr = min(tsr, t)
            ev = self.ee(e, cx, tsr, "customer.search", targets=[self.cust_id[c] for c in lst],
                         fields=["name", "email"], purpose=purpose,
                         extra={"query": "seller:%s buyers" % self.sel_id[ins.sellers[0]] if ri.random() < 0.5
                                else "product:%s" % ri.choice(self.sprod[ins.targets_from[0]])})
            self.mark(ins, ev, lst)
        for i, (t, tk) in enumerate(plan):
            if honey is not None and not ins.honey_done:
                c, oi = honey
                ins.honey_done = True
            else:
                if not pool:
                    break
                j = ri.randrange(len(pool))
                c, oi = pool.pop(j)
                pool = [p for p in pool if p[0] != c]
                if ri.random() < 0.12:
                    c2 = self.rand_cust()   # a specific person the client asked for
                    if c2 not in self.honey_set:
                        c, oi = c2, None
            covered = tk is not None
            if covered:
                purpose = {"ticket": tk.id, "code": code}
                ins.covered += 1
            else:
                reasons = {"customer_request": ["inbound call", "callback", "chat transfer", None],
                           "quality_review": ["supervisor call", "live escalation", None],
                           "fraud_investigation": ["monitoring alert", "chargeback", None]}[code]
                purpose = self.loose_purpose(code, reasons, r=ri, p_none=0.1 if ins.subtle else 0.5)
            fields = self.sale_fields(ins, covered)
            ev = self.ee(e, cx, t, "customer.view", self.ctgt(c), fields=fields, purpose=purpose)
            self.mark(ins, ev, (c,))
            if ins.ring:
                ins.ring["sold"].add(c)
            if oi is not None and not ins.subtle and ri.random() < 0.2 and self.o_time[oi] < t:
                ev = self.ee(e, cx, t + ri.randint(20, 90) * SEC, "order.view", {"type": "order", "id": self.o_id[oi]},
                             purpose=purpose, extra={"customer": self.cust_id[c], "seller": self.sel_id[self.o_sel[oi]]})
                self.mark(ins, ev, (c,))

    # -- review removal ------------------------------------------------------
    def claim_disputes(self, ins, d, ctx):
        if ctx is None:
            return
        g = set(ins.sellers)
        for (a, _, tk) in self.disputeq.h:
            if not tk.claimed and not tk.closed and tk.sel in g and a < ctx.end:
                tk.claimed = True
                ins.claimed.append(tk)

    def act_reviews(self, ins, d, ctx):
        ri = self.ri
        e = ins.e
        forced = (d == ins.force_day and ins.acts == 0)
        # release disputes left too long (another moderator will take them)
        keep = []
        for tk in ins.claimed:
            if tk.closed:
                continue
            if tk.open < (d - 3) * DAY:
                tk.claimed = False
                self.disputeq.push(d * DAY, tk)
            else:
                keep.append(tk)
        ins.claimed = keep
        if ctx is None and not forced:
            return
        if not forced and ri.random() >= ins.p_day:
            return
        cx, off = self.session_ctx(ins, d, ctx)
        if cx is None:
            return
        ins.sessions += 1
        n = ri.randint(1, 2) if ins.subtle else ri.randint(2, 5)
        n = max(1, int(round(n * max(1.0, self.intensity))))
        pc = self.cover_p(ins)
        t = cx.start + ri.randint(5, 60) * MIN
        span = max(MIN, cx.end - t)
        g = set(ins.sellers)
        for i in range(n):
            t += ri.randrange(max(MIN, span // (n + 1)))
            if t >= cx.end and not forced:
                break
            usable = [tk for tk in ins.claimed if tk.open + 5 * MIN < t and not tk.closed
                      and self.r_alive(tk.review, t)]
            if usable and ri.random() < pc:
                tk = ri.choice(usable)
                ins.claimed.remove(tk)
                rid = self.r_id[tk.review]
                purpose = {"ticket": tk.id, "code": "seller_request"}
                self.ee(e, cx, t, "ticket.assign", {"type": "ticket", "id": tk.id}, extra={"queue": "disputes"})
                t += ri.randint(20, 90) * SEC
                self.ee(e, cx, t, "x.review.view", {"type": "review", "id": rid}, purpose=purpose)
                if ri.random() < 0.3:
                    t += ri.randint(20, 90) * SEC
                    c = self.r_cust[tk.review]
                    ev = self.ee(e, cx, t, "customer.view", self.ctgt(c), fields=["reviews", "orders"], purpose=purpose)
                    self.mark(ins, ev, (c,))
                t += ri.randint(30, 180) * SEC
                ev = self.ee(e, cx, t, "review.delete", {"type": "review", "id": rid}, purpose=purpose,
                             extra={"reason": ri.choice(["seller_request", "off_topic", "off_topic", "spam"])})
                self.mark(ins, ev)
                ins.covered += 1
                self.r_set(tk.review, t, False)
                self.r_deltime[tk.review] = t
                self.recent_del.append((t, tk.review, e))
                t += ri.randint(10, 60) * SEC
                self.close_ticket(e, cx, t, tk, "removed")
                continue
            cand = [rj for s in g for rj in self.s_reviews[s]
                    if self.r_alive(rj, t - 10 * MIN) and self.r_rating[rj] <= 2]
            if not cand:
                cand = [rj for s in g for rj in self.s_reviews[s]
                        if self.r_alive(rj, t - 10 * MIN) and self.r_rating[rj] <= 3]
            if not cand:
                if forced and i == n - 1:
                    cand = [rj for s in g for rj in self.s_reviews[s] if self.r_alive(rj, t - 10 * MIN)]
                if not cand:
                    continue
            rj = ri.choice(cand)
            rid = self.r_id[rj]
            purpose = self.loose_purpose("quality_review", ["profanity report", "spam wave", None], r=ri,
                                         p_none=0.1 if ins.subtle else 0.6)
            self.ee(e, cx, t, "x.review.view", {"type": "review", "id": rid}, purpose=purpose)
            t += ri.randint(20, 120) * SEC
            if ri.random() < 0.25:
                c = self.r_cust[rj]
                ev = self.ee(e, cx, t, "customer.view", self.ctgt(c), fields=["reviews", "orders"], purpose=purpose)
                self.mark(ins, ev, (c,))
                t += ri.randint(20, 90) * SEC
            ev = self.ee(e, cx, t, "review.delete", {"type": "review", "id": rid}, purpose=purpose,
                         extra={"reason": ri.choice(["spam", "off_topic", "other"])})
            self.mark(ins, ev)
            self.r_set(rj, t, False)
            self.r_deltime[rj] = t
            self.recent_del.append((t, rj, e))
        if forced and ins.acts == 0:
            ins.force_day = d + 1 if d + 1 <= ins.a1 else None

    # -- seller reinstatement ---------------------------------------------------
    def act_reinstate(self, ins, d, ctx):
        ri = self.ri
        e = ins.e
        last = d == ins.workdays[-1] or d == ins.a1
        if ctx is None and not (last and ins.acts == 0):
            return
        g = ins.sellers
        pending = [tk for tk in ins.claimed if not tk.closed]
        banned = [s for s in g if self.sban[s] and self.sban[s] < (d + 1) * DAY]
        if not pending and not (banned and (not ins.subtle and ri.random() < 0.3 * self.intensity or (last and ins.acts == 0))):
            return
        if ins.subtle and not (last and ins.acts == 0) and ri.random() >= min(0.95, 0.6 * self.intensity):
            return
        cx, off = self.session_ctx(ins, d, ctx)
        if cx is None:
            return
        ins.sessions += 1
        pc = self.cover_p(ins)
        t = cx.start + ri.randint(5, 90) * MIN
        budget = 1 if ins.subtle else ri.randint(1, 3)
        for tk in list(pending):
            if budget <= 0:
                break
            s = tk.sel
            if tk.open + 5 * MIN >= max(t, cx.end):
                continue
            t = max(t, tk.open + ri.randint(5, 60) * MIN)
            if t >= cx.end + (2 * HOUR if off else 0):
                break
            if not self.s_inactive(s, t):
                continue
            ins.claimed.remove(tk)
            budget -= 1
            if ri.random() < pc or ins.subtle:
                purpose = {"ticket": tk.id, "code": "seller_request"}
                self.ee(e, cx, t, "ticket.assign", {"type": "ticket", "id": tk.id}, extra={"queue": "appeals"})
                t += ri.randint(1, 6) * MIN
                self.ee(e, cx, t, "x.seller.view", {"type": "seller", "id": self.sel_id[s]}, purpose=purpose,
                        extra={"legal_entity": self.sent[s]})
                t += ri.randint(2, 12) * MIN
                ev = self.ee(e, cx, t, "account.reactivate", {"type": "seller", "id": self.sel_id[s]}, purpose=purpose,
                             extra={"appeal": tk.id})
                ins.covered += 1
                self.mark(ins, ev)
                self.s_set(s, t, False)
                t += ri.randint(20, 90) * SEC
                self.close_ticket(e, cx, t, tk, "reinstated")
            else:
                # reinstated quickly, appeal copied from a sibling shop's ticket
                sib = [x for x in self.seller_appeal_of(g) if x.open < t and x is not tk]
                ap = ri.choice(sib).id if sib else tk.id
                ev = self.ee(e, cx, t, "account.reactivate", {"type": "seller", "id": self.sel_id[s]},
                             purpose={"ticket": ap, "code": "seller_request"} if ri.random() < 0.5 else None,
                             extra={"appeal": ap})
                self.mark(ins, ev)
                self.s_set(s, t, False)
                t += ri.randint(1, 5) * MIN
                self.close_ticket(e, cx, t, tk, "reinstated")
            t += ri.randint(5, 40) * MIN
        # blatant: shops without any appeal are switched back on too
        if budget > 0 and (not ins.subtle or (last and ins.acts == 0)):
            for s in g:
                if budget <= 0:
                    break
                if not self.s_inactive(s, t) or self.sban[s] >= t - 30 * MIN:
                    continue
                if any(tk.sel == s for tk in ins.claimed):
                    continue
                budget -= 1
                t += ri.randint(2, 20) * MIN
                sib = [x for x in self.seller_appeal_of(g) if x.open < t]
                ex = {"appeal": ri.choice(sib).id} if sib and ri.random() < 0.7 else {}
                ev = self.ee(e, cx, t, "account.reactivate", {"type": "seller", "id": self.sel_id[s]},
                             purpose=self.loose_purpose("seller_request", ["kyc documents received", None], r=ri, p_none=0.5),
                             extra=ex)
                self.mark(ins, ev)
                self.s_set(s, t + 20 * MIN, False)

    def listing_appeal(self, s, prod, t):
        rw = self.rw
        if rw.random() >= 0.3:
            return
        at = t + rw.randint(2 * HOUR, 3 * DAY)
        tk = self.open_ticket(at, {"type": "seller", "id": self.sel_id[s]}, "APL", "appeal", "listing_appeal",
                              sel=s, channel="seller-center",
                              extra={"product": prod, "attachments": rw.randint(0, 4), "words": rw.randint(30, 400),
                                     "text_sha": "%08x" % rw.getrandbits(32)})
        if tk:
            tk.review = prod
            self.appealq.push(at + 10 * MIN, tk)

    def seller_appeal_of(self, g):
        return [self.seller_appeal[s] for s in g if s in self.seller_appeal]

    # -- pre-departure export -------------------------------------------------------
    def act_departure(self, ins, d, ctx):
        ri = self.ri
        e = ins.e
        cx, off = self.session_ctx(ins, d, ctx)
        if cx is None:
            return
        ins.sessions += 1
        final = d >= ins.workdays[-1] - (1 if len(ins.workdays) > 2 else 0) and not ins.final_done
        covers = list(ctx.cases) if ctx is not None else []
        plan = self.act_times(ins, cx, off, 1 if ins.subtle else ri.randint(1, 2), covers)
        for (t, tk) in plan:
            pool = self.pool(ins, t, ins.targets_from)
            if not pool:
                oi = self.recent_order(d, lookback=14)
                if oi is None:
                    continue
                pool = [(self.o_cust[oi], oi)]
            k = min(len(pool), ri.randint(8, 30) if ins.subtle else ri.randint(20, 150))
            lst = list(dict.fromkeys(c for c, _ in ri.sample(pool, k)))
            purpose = {"ticket": tk.id, "code": "customer_request"} if tk is not None else None
            if tk is not None:
                ins.covered += 1
            s = ri.choice(ins.targets_from)
            q = ri.choice(["seller:%s" % self.sel_id[s], "seller:%s repeat:2+" % self.sel_id[s],
                           "category:%s reviewers" % self.scat[s]])
            ev = self.ee(e, cx, t, "customer.search", targets=[self.cust_id[c] for c in lst],
                         fields=["name", "email"] if ins.subtle else ["name", "email", "phone"], purpose=purpose,
                         extra={"query": q})
            self.mark(ins, ev, lst)
        if final:
            ins.final_done = True
            t = plan[-1][0] + ri.randint(10, 50) * MIN
            pool = self.pool(ins, t, ins.targets_from)
            prev = list(ins.customers)
            k = ri.randint(40, 100) if ins.subtle else ri.randint(150, 400)
            lst = prev[:k]
            if len(lst) < k and pool:
                lst += [c for c, _ in ri.sample(pool, min(len(pool), k - len(lst)))]
            lst = list(dict.fromkeys(lst))
            if lst:
                cv = [x for x in covers if x[0] < t]
                tk = cv[-1][1] if cv and ri.random() < self.cover_p(ins) else None
                purpose = {"ticket": tk.id, "code": "customer_request"} if tk is not None else None
                ev = self.ee(e, cx, t, "customer.export", targets=[self.cust_id[c] for c in lst],
                             fields=["name", "email", "phone", "address", "orders"], purpose=purpose,
                             extra={"format": "csv", "destination": "download"})
                self.mark(ins, ev, lst)

    # -- portfolio leak ---------------------------------------------------------
    def act_portfolio(self, ins, d, ctx):
        ri = self.ri
        e = ins.e
        cx, off = self.session_ctx(ins, d, ctx)
        if cx is None:
            return
        ins.sessions += 1
        y = ins.sellers[0]
        ytk = [(tk.open + 20 * MIN, tk) for tk in self.seller_tickets.get(y, ()) if tk.open < cx.end - 30 * MIN]
        covers = (list(ctx.cases) if ctx is not None else []) + ytk[-5:]
        n = ri.randint(1, 3) if ins.subtle else ri.randint(2, 6)
        n = max(1, int(round(n * max(1.0, self.intensity))))
        plan = self.act_times(ins, cx, off, n, covers)
        pool = self.pool(ins, plan[0][0], ins.targets_from)
        pool = [p for p in pool if p[1] is not None]
        for (t, tk) in plan:
            if not pool:
                break
            c, oi = pool.pop(ri.randrange(len(pool)))
            purpose = {"ticket": tk.id, "code": "seller_request"} if tk is not None else \
                self.loose_purpose("seller_request", ["account review", "seller call", None], r=ri,
                                   p_none=0.1 if ins.subtle else 0.5)
            if tk is not None:
                ins.covered += 1
            ev = self.ee(e, cx, t, "order.view", {"type": "order", "id": self.o_id[oi]}, purpose=purpose,
                         extra={"customer": self.cust_id[c], "seller": self.sel_id[self.o_sel[oi]]})
            self.mark(ins, ev, (c,))
            if ri.random() < (0.35 if ins.subtle else 0.6):
                ev = self.ee(e, cx, t + ri.randint(20, 120) * SEC, "customer.view", self.ctgt(c),
                             fields=["name", "orders"] if ins.subtle else ["name", "email", "address", "orders"],
                             purpose=purpose)
                self.mark(ins, ev, (c,))

    # ======================================================================
    def run(self, outdir):
        t_start = time.time()
        os.makedirs(outdir, exist_ok=True)
        self.out = Out(os.path.join(outdir, "events.jsonl"), self.days, mix64(self.a.seed * 7919 + 3))
        # queues and state
        self.emailq = Q()
        self.t2q = Q()
        self.riskq = Q()
        self.flagq = Q()
        self.disputeq = Q()
        self.appealq = Q()
        self.brandq = Q()
        self.leq = Q()
        self.dprq = Q()
        self.dqq = Q()
        self.team_recent = {}
        self.all_recent = deque(maxlen=3000)
        self.recent_del = deque(maxlen=2000)
        self.seller_appeal = {}
        self.seller_tickets = {}
        self.sweep_sellers = []
        self.pol_rollback = None
        self.rollback_apv = None
        self.rollback_team = []
        self.rollback_done = False
        self.audit_done = set()
        self.outage_custs = []
        self.goodwill_tk = None
        self.goodwill_done = False
        self.sweep_owner = None
        self.kyc_hold = []
        self.sweep_case = None
        self.sweep_done = False
        self.scam_case = None
        self.scam_inv = None
        self.scam_started = False
        self.scam_seen = set()
        self.scam_reports = []
        self.subpoena_tk = None
        self.subpoena_done = False
        self.regulator_tk = None
        self.regulator_done = False
        self.mig_tk = None
        self.ring_set = set(self.ring_custs)
        self.g_sellers = set()
        for ins in self.insiders:
            if ins.story == "review_removal":
                self.g_sellers.update(ins.sellers)
        self.o_sha = "%08x" % self.rm.getrandbits(32)
        self.template_sha = "%08x" % self.rm.getrandbits(32)
        self.hr_initial()
        for d in range(self.days):
            self.out.cur = d
            self.hr_day(d)
            self.market_day(d)
            self.system_day(d)
            self.staff_day(d)
            self.out.flush(d)
        self.out.close()
        self.elapsed = time.time() - t_start
        self.write_truth(outdir)

    def write_truth(self, outdir):
        out = self.out
        end = START + timedelta(days=self.days)
        ins_list = []
        for ins in self.insiders:
            if not ins.times:
                continue
            ins.times.sort()
            ins_list.append({
                "employee": ins.e.id, "scenario": ins.story,
                "start": ins.times[0][1], "end": ins.times[-1][1],
                "sellers": [self.sel_id[s] for s in ins.sellers],
                "customers": sorted(self.cust_id[c] for c in ins.customers),
            })
        truth = {"seed": self.a.seed, "start": START.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                 "end": end.strftime("%Y-%m-%dT%H:%M:%S.000Z"), "employees": len(out.emps),
                 "insiders": ins_list, "honeytokens": [self.cust_id[h] for h in self.honey]}
        with open(os.path.join(outdir, "truth.json"), "w") as f:
            json.dump(truth, f, indent=1)
        stories = []
        for ins in self.insiders:
            e = ins.e
            stories.append({
                "employee": e.id, "scenario": ins.story, "role": e.role, "team": e.team, "site": e.site,
                "subtle": ins.subtle, "active_days": [ins.a0, ins.a1], "p_day": round(ins.p_day, 3),
                "beneficiary_sellers": [self.sel_id[s] for s in ins.sellers],
                "beneficiary_legal_entity": self.sent[ins.sellers[0]] if ins.sellers else None,
                "target_sellers": [self.sel_id[s] for s in ins.targets_from],
                "malicious_events": ins.acts, "by_action": ins.by_action,
                "sessions": ins.sessions, "offhours_sessions": ins.offhours, "acts_with_cover_ticket": ins.covered,
                "customers_disclosed": len(ins.customers),
                "touched_honeytoken": ins.honey is not None and ins.honey in ins.customers,
                "leaves_on_day": e.leave, "ring_with": [o.e.id for o in self.insiders if o.ring is ins.ring and o is not ins] if ins.ring else [],
                "event_ids": ins.event_ids,
            })
        stats = {
            "generator": "market7", "args": vars(self.a), "world": "Kestrel Market trust & care",
            "runtime_seconds": round(self.elapsed, 1),
            "events": out.n, "by_action": dict(sorted(out.counts.items())),
            "employees": len(out.emps), "staff_by_kind": self.counts,
            "customers": self.NC, "sellers": self.NS, "orders": len(self.o_id), "reviews": len(self.r_id),
            "honeytokens": len(self.honey),
            "calendar": {"promo_days": list(self.promo), "outage_day": self.outage, "policy_sweep_day": self.p1,
                         "policy_rollback_day": self.p2, "brand_sweep_day": self.sweep_day,
                         "scam_investigation_day": self.bi, "subpoena_day": self.subpoena,
                         "supervisor_audit_day": self.audit_day, "regulator_export_day": self.regulator_day,
                         "migration_days": list(self.mig), "reorg_day": self.reorg_day if self.reorg_team else None},
            "insiders": stories,
            "lookalikes": self.look,
            "lookalike_counts": self.lstats,
        }
        with open(os.path.join(outdir, "stats.json"), "w") as f:
            json.dump(stats, f, indent=1)


def main():
    ap = argparse.ArgumentParser(description="market7: Kestrel Market trust & care world generator")
    ap.add_argument("--employees", type=int, default=1000)
    ap.add_argument("--customers", type=int, default=60000)
    ap.add_argument("--sellers", type=int, default=1500)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--intensity", type=float, default=1.0)
    ap.add_argument("--cover", type=float, default=0.5)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    if a.days < 7:
        ap.error("--days must be at least 7")
    if a.sellers < 50 or a.customers < 1000:
        ap.error("need at least 50 sellers and 1000 customers")
    w = World(a)
    w.run(a.out)
    print(json.dumps({"events": w.out.n, "employees": len(w.out.emps),
                      "insiders": len([i for i in w.insiders if i.times]), "seconds": round(w.elapsed, 1)}))


if __name__ == "__main__":
    main()
