#!/usr/bin/env python3
"""market5 - an independent synthetic world for Custos.

"Brightcart" is a fictional general marketplace run from four support hubs
(Lisbon, Krakow, Manila, Bogota).  This script simulates its customers,
merchants, support organisation and a handful of dishonest staff, and writes

  DIR/events.jsonl   one event per line (Custos event format v1)
  DIR/truth.json     ground truth (planted insiders, honeytokens)
  DIR/stats.json     what was planted, look-alike stories, counts

Python 3.11, standard library only, deterministic for identical arguments.
See README.md in this folder.
"""
import argparse
import heapq
import json
import math
import os
import random
import sys
import time as _clock
from collections import deque
from datetime import datetime, timedelta, timezone
from operator import itemgetter
from bisect import bisect_right

START_DT = datetime(2025, 11, 3, tzinfo=timezone.utc)          # a Monday
START = int(START_DT.timestamp()) * 1000
SEC, MIN, HOUR, DAY = 1_000, 60_000, 3_600_000, 86_400_000

CATEGORIES = ["electronics", "fashion", "home", "beauty", "toys", "sports",
              "books", "auto-parts", "garden", "pets", "grocery", "jewellery"]
CAT_W = [14, 18, 12, 9, 8, 7, 5, 5, 5, 5, 6, 6]

# site code: (UTC offset in winter, office network prefix)
SITES = {"LIS": (0, "10.31"), "KRK": (1, "10.42"), "MNL": (8, "10.58"), "BOG": (-5, "10.67")}

# rostered front-line shifts per site: (local start hour, hours, weight)
ROSTER_SHIFTS = {
    "LIS": [(7, 8.5, 3), (9, 8.5, 4), (14, 8.5, 3)],
    "KRK": [(7, 8.5, 3), (9, 8.5, 5), (13, 8.5, 2)],
    "MNL": [(6, 9, 2), (9, 9, 4), (14, 9, 2), (22, 9, 2)],
    "BOG": [(7, 8.5, 3), (10, 8.5, 4), (14, 8.5, 3)],
}
OFFICE_SHIFTS = [(8, 9, 3), (9, 8.5, 5), (10, 8.5, 2)]

# role, share of staff, function (team prefix), tool, queues served, site mix, rostered
ROLES = [
    ("care-associate", 0.47, "care", "concierge", ("care",), {"LIS": 28, "KRK": 20, "MNL": 37, "BOG": 15}, True),
    ("care-lead", 0.04, "care", "concierge", ("care",), {"LIS": 28, "KRK": 20, "MNL": 37, "BOG": 15}, True),
    ("wfm-dispatcher", 0.02, "wfm", "dispatch", (), {"LIS": 35, "MNL": 45, "BOG": 20}, True),
    ("partner-agent", 0.10, "partner", "merchanthub", ("partner",), {"KRK": 60, "LIS": 40}, True),
    ("key-account-manager", 0.02, "keyacct", "merchanthub", ("keyacct", "partner"), {"LIS": 100}, False),
    ("review-moderator", 0.09, "trust-rev", "modqueue", ("review", "flag"), {"MNL": 60, "KRK": 40}, True),
    ("enforcement-analyst", 0.05, "trust-enf", "enforcer", ("appeal",), {"KRK": 70, "LIS": 30}, False),
    ("trust-lead", 0.015, "trust-lead", "enforcer", ("appeal",), {"KRK": 60, "MNL": 40}, False),
    ("risk-analyst", 0.06, "risk", "risklens", ("fraud",), {"LIS": 50, "BOG": 50}, False),
    ("privacy-officer", 0.015, "legal", "privacydesk", ("legal",), {"LIS": 100}, False),
    ("data-engineer", 0.03, "dataplat", "dbx-export", (), {"KRK": 100}, False),
    ("sre-oncall", 0.025, "sre", "bastion", (), {"LIS": 40, "MNL": 30, "BOG": 30}, False),
    ("qa-engineer", 0.02, "qa", "qa-harness", (), {"KRK": 100}, False),
]
ROLE_INFO = {r[0]: r for r in ROLES}
MIN_COUNT = {"care-lead": 2, "trust-lead": 2, "privacy-officer": 1, "wfm-dispatcher": 2,
             "key-account-manager": 2, "enforcement-analyst": 3, "review-moderator": 4,
             "risk-analyst": 3, "partner-agent": 4, "data-engineer": 2, "sre-oncall": 2,
             "qa-engineer": 1}

# ticket record layout (lists, for memory)
T_KIND, T_CUST, T_SEL, T_OPEN, T_REF, T_QUEUE, T_STATUS, T_WHO, T_BY, T_SUB = range(10)
OPEN, TAKEN, CLOSED = 0, 1, 2
MACROS = {"order_issue": ["refund_confirmed", "label_sent", "eta_update", "apology_voucher"],
          "account": ["password_reset_link", "info_request", "identity_check"],
          "other": ["info_request", "apology_voucher"],
          "warehouse_outage_delay": ["delivery_delay_apology", "eta_update", "reship_confirmed"],
          "late_delivery": ["eta_update", "apology_voucher"], "return_label": ["label_sent"],
          "refund_status": ["refund_confirmed", "info_request"]}
FIELDS_ALL = ("name", "email", "phone", "address", "payment", "orders", "reviews", "account")

# customer diurnal curve (UTC hours; buyers mostly in Europe and Latin America)
HOUR_W = [2.0, 1.4, 1.0, 0.7, 0.5, 0.6, 1.0, 1.8, 2.8, 3.5, 4.0, 4.2,
          4.5, 4.4, 4.3, 4.4, 4.6, 4.9, 5.4, 6.0, 6.3, 5.8, 4.6, 3.2]


def cum(ws):
    out, s = [], 0.0
    for w in ws:
        s += w
        out.append(s)
    return out


HOUR_CUM = cum(HOUR_W)


def season_orders(dt):
    """Order volume multiplier for a calendar date (Brightcart's retail year)."""
    m, dd, wd = dt.month, dt.day, dt.weekday()
    f = (1.0, 0.96, 0.97, 1.0, 1.06, 1.14, 1.18)[wd]
    if m == 11:
        if dd == 11:
            f *= 1.9            # Singles' Day flash sale
        elif dd in (10, 12):
            f *= 1.15
        elif 24 <= dd <= 27:
            f *= 1.25
        elif dd == 28:
            f *= 2.7            # Black Friday
        elif dd in (29, 30):
            f *= 1.8
    elif m == 12:
        if dd == 1:
            f *= 2.3            # Cyber Monday
        elif dd <= 19:
            f *= 1.35           # gift season
        elif dd <= 23:
            f *= 1.1
        elif dd == 24:
            f *= 0.7
        elif dd == 25:
            f *= 0.45
        elif dd == 26:
            f *= 1.3
        else:
            f *= 0.9
    elif m == 1:
        if dd == 1:
            f *= 0.5
        elif dd <= 7:
            f *= 1.1            # January sales
        else:
            f *= 0.82
    else:
        f *= 0.85
    return f


def returns_factor(dt):
    """Extra contact rate in the post-holiday returns season."""
    if (dt.month == 12 and dt.day >= 26) or (dt.month == 1 and dt.day <= 20):
        return 1.45
    if dt.month == 11 and dt.day >= 28 or (dt.month == 12 and dt.day <= 5):
        return 1.25             # delivery delays after the Black Friday wave
    return 1.0


def poisson(rng, lam):
    if lam <= 0:
        return 0
    if lam > 40:
        return max(0, int(round(rng.gauss(lam, math.sqrt(lam)))))
    L, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= L:
            return k
        k += 1


def sround(rng, x):
    """Stochastic rounding."""
    base = int(math.floor(x))
    return base + (1 if rng.random() < x - base else 0)


class Out:
    """Buffers events per UTC day, writes each day sorted by time."""

    def __init__(self, path, seed, ndays):
        self.f = open(path, "w", encoding="utf-8", newline="\n", buffering=1 << 22)
        self.buckets = {}
        self.seq = 0
        self.pfx = "bc5%s-" % format(abs(seed), "x")
        self.floor = START
        self.end = START + ndays * DAY
        self.count = 0
        self.actions = {}
        self.dropped = 0
        self.first_t = None
        self.last_t = None
        self.dates = [(START_DT + timedelta(days=i)).strftime("%Y-%m-%d") for i in range(ndays + 4)]
        self.enc = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"),
                                    check_circular=False).encode

    def ts(self, t):
        d, r = divmod(t - START, DAY)
        h, r = divmod(r, HOUR)
        m, r = divmod(r, MIN)
        s, ms = divmod(r, SEC)
        return "%sT%02d:%02d:%02d.%03dZ" % (self.dates[d], h, m, s, ms)

    def ev(self, t, actor, action, target=None, targets=None, fields=None,
           purpose=None, outcome=None, attrs=None):
        t = int(t)
        if t >= self.end:
            self.dropped += 1
            return 0
        if t < self.floor:
            raise RuntimeError("event %s at %s before flushed floor %s" % (action, t, self.floor))
        self.seq += 1
        d = (t - START) // DAY
        b = self.buckets.get(d)
        if b is None:
            b = self.buckets[d] = []
        b.append((t, self.seq, actor, action, target, targets, fields, purpose, outcome, attrs))
        return self.seq

    def flush(self, upto_day):
        enc, pfx, ts = self.enc, self.pfx, self.ts
        acts = self.actions
        for d in sorted(k for k in self.buckets if k <= upto_day):
            recs = self.buckets.pop(d)
            recs.sort(key=itemgetter(0, 1))
            lines = []
            for (t, seq, actor, action, target, targets, fields, purpose, outcome, attrs) in recs:
                e = {"id": pfx + format(seq, "07x"), "time": ts(t), "actor": actor, "action": action}
                if target is not None:
                    e["target"] = target
                if targets is not None:
                    e["targets"] = targets
                if fields is not None:
                    e["fields"] = fields
                if purpose is not None:
                    e["purpose"] = purpose
                if outcome is not None:
                    e["outcome"] = outcome
                if attrs is not None:
                    e["attrs"] = attrs
                lines.append(enc(e))
                acts[action] = acts.get(action, 0) + 1
            if recs:
                if self.first_t is None:
                    self.first_t = recs[0][0]
                self.last_t = recs[-1][0]
                self.count += len(recs)
                self.f.write("\n".join(lines))
                self.f.write("\n")
        self.floor = max(self.floor, START + (upto_day + 1) * DAY)

    def close(self):
        self.flush(10 ** 9)
        self.f.close()


class Emp:
    __slots__ = ("i", "id", "role", "func", "team", "site", "tz", "tool", "queues",
                 "shift_min", "shift_len", "offdays", "rostered", "hire_day", "hire_ms",
                 "leave_day", "leave_ms", "leave_reason", "actor", "ip", "device", "remote",
                 "vac", "tag", "ins", "train_until", "temp", "hired_on", "sess", "sloppy")

    def crosses(self):
        return self.shift_min + self.shift_len > 1440

    def employed(self, t):
        return self.hire_ms <= t and (self.leave_ms is None or t < self.leave_ms)


class Sess:
    __slots__ = ("e", "start", "end", "base", "log", "kind", "ip", "sid")


class Gen:
    def __init__(self, a):
        self.a = a
        self.E, self.C, self.S, self.D = a.employees, a.customers, a.sellers, a.days
        if self.E < 40 or self.C < 500 or self.S < 40 or self.D < 7:
            raise SystemExit("need at least 40 employees, 500 customers, 40 sellers, 7 days")
        if self.S > 89000 or self.C > 8_000_000:
            raise SystemExit("too many sellers/customers for the id space")
        self.seed = a.seed
        self.intensity = max(0.0, a.intensity)
        self.cover = min(1.0, max(0.0, a.cover))
        mk = lambda tag: random.Random("market5/%s/%d" % (tag, a.seed))
        self.rw, self.rf, self.rs, self.ri, self.rl = mk("world"), mk("facts"), mk("staff"), mk("insiders"), mk("lookalikes")
        self.dates = [(START_DT + timedelta(days=i)).date() for i in range(self.D + 3)]
        self.wd = [dt.weekday() for dt in self.dates]
        self.sea = [season_orders(dt) for dt in self.dates]
        self.wend = START + self.D * DAY
        self.sys = {n: {"type": "system", "id": n} for n in
                    ("orderbus", "ticketing", "trust-automod", "hris", "decoy-svc", "risk-engine",
                     "legal-intake", "review-filter", "pagerduty", "sla-timer")}
        self.stats_lookalikes = []
        self.story_events = {}
        self.n_mal = 0

    # ----------------------------------------------------------------- helpers
    def d0(self, d):
        return START + d * DAY

    def day_of(self, month, day, frac):
        for i in range(self.D):
            dt = self.dates[i]
            if dt.month == month and dt.day == day:
                return i
        return max(1, min(self.D - 2, int(self.D * frac)))

    def tag(self, story, n=1):
        self.story_events[story] = self.story_events.get(story, 0) + n

    # ----------------------------------------------------------------- world
    def build_world(self):
        rw, C, S = self.rw, self.C, self.S
        self.n_honey = max(4, round(self.E / 50))
        nums = rw.sample(range(1_000_000, 10_000_000), C + self.n_honey)
        self.cid = ["BY%d" % x for x in nums[:C]]
        self.honey = ["BY%d" % x for x in nums[C:]]
        self.cobj = [{"type": "customer", "id": c} for c in self.cid]
        ws = [math.exp(rw.gauss(0.0, 1.0)) for _ in range(C)]
        self.qa_accts = rw.sample(range(C), 6)          # internal test buyers
        for q in self.qa_accts:
            ws[q] = 0.0
        self.cust_cum = cum(ws)
        self.cust_w = ws
        self.cust_fav = rw.choices(range(len(CATEGORIES)), weights=CAT_W, k=C)
        self.cust_orders = [None] * C
        self.cust_ticket = [-1] * C
        self.cust_ban = bytearray(C)

        nums = rw.sample(range(10000, 100000), S)
        self.sid = ["MC%d" % x for x in nums]
        self.sobj = [{"type": "seller", "id": s} for s in self.sid]
        self.sel_cat = rw.choices(range(len(CATEGORIES)), weights=CAT_W, k=S)
        ranks = list(range(S))
        rw.shuffle(ranks)
        self.sel_rank = ranks
        pop = [1.0 / (r + 4) ** 0.9 for r in ranks]
        self.sel_pop = pop
        self.sel_q = [(0.80 + 0.18 * rw.random()) if rw.random() > 0.12 else (0.45 + 0.25 * rw.random())
                      for _ in range(S)]
        pmax = max(pop)
        pbase = rw.randrange(2_000_000, 3_000_000)
        self.sel_prod = []
        for s in range(S):
            k = 3 + int(45 * (pop[s] / pmax) ** 0.5) + rw.randint(0, 6)
            self.sel_prod.append(["SKU%07d" % (pbase + j) for j in range(k)])
            pbase += k
        self.sel_cum = cum(pop)
        self.cat_sel = [[] for _ in CATEGORIES]
        for s in range(S):
            self.cat_sel[self.sel_cat[s]].append(s)
        self.cat_cum = [cum([pop[s] for s in lst]) if lst else [] for lst in self.cat_sel]
        self.sel_orders = [[] for _ in range(S)]
        self.sel_reviews = [[] for _ in range(S)]
        self.sel_tickets = [[] for _ in range(S)]
        self.sel_ban = [0] * S
        self.sel_ban_reason = [""] * S
        self.sel_reserved = [None] * S
        self.sel_appeal_p = [0.6] * S
        self.sel_rd_owner = [None] * S      # review disputes of this seller go to a story, not the queue
        by_rank = sorted(range(S), key=lambda s: ranks[s])
        self.by_rank = by_rank
        nka = max(5, S // 60)
        self.key_accounts = set(by_rank[:nka])
        self.used_sellers = set()       # sellers given a role in a story

        # orders, reviews, tickets
        self.o_cust, self.o_sel, self.o_prod, self.o_time, self.o_id = [], [], [], [], []
        self.r_cust, self.r_sel, self.r_prod, self.r_time, self.r_rating, self.r_del = [], [], [], [], [], []
        self.rbase = rw.randrange(30_000_000, 40_000_000)
        self.tk = []
        self.tbase = rw.randrange(4_100_000, 4_900_000)
        # work queues are heaps of (time the item becomes routable, item)
        self.Q = {q: [] for q in ("care", "partner", "keyacct", "review", "flag", "appeal", "fraud", "legal")}
        self.sched_reviews = {}
        self.sched_tickets = {}
        self.sched_bans = {}
        self.approvals = []             # (id, approver, requester, scope, time)
        self.appr_seq = rw.randrange(20000, 60000)
        self.inc_seq = rw.randrange(3000, 7000)
        self.recent_closed = deque(maxlen=400)   # (ticket, closer emp idx, time) care tickets
        self.sess_seq = 0
        self.fact_hooks = {}
        self.qoverride = {}             # emp idx -> (set of days, queues) for story casts
        self.training_log = {}
        self.overtime_days = {}
        self.extra_sessions = {}
        self.care_cap = max(5.0, self.C * 0.02)
        self.backlog = {}

    def rid(self, r):
        return "RV%08d" % (self.rbase + r)

    def tid(self, k):
        return "CASE-%07d" % (self.tbase + k)

    def tobj(self, k):
        return {"type": "ticket", "id": "CASE-%07d" % (self.tbase + k)}

    def build_staff(self):
        rw, E = self.rw, self.E
        counts = {}
        for role, share, *_ in ROLES:
            counts[role] = max(MIN_COUNT.get(role, 1), int(round(share * E)))
        diff = E - sum(counts.values())
        counts["care-associate"] += diff
        if counts["care-associate"] < 10:
            raise SystemExit("too few employees for the organisation")
        nums = rw.sample(range(10000, 100000), E + max(40, E // 4))
        self.emp_nums = nums
        self.emps = []
        self.dev_seq = rw.randrange(1000, 9000)
        for role, *_ in ROLES:
            for _ in range(counts[role]):
                self.new_emp(role, None, hire_day=-1)
        rw.shuffle(self.emps)           # ids do not reveal roles
        for i, e in enumerate(self.emps):
            e.i = i
        self.assign_teams(self.emps)

    def new_emp(self, role, site, hire_day, temp=False):
        rw = self.rw
        _, _, func, tool, queues, sites, rostered = ROLE_INFO[role]
        if site is None:
            site = rw.choices(list(sites), weights=list(sites.values()))[0]
        e = Emp()
        e.i = len(self.emps)
        e.id = "ST%05d" % self.emp_nums[len(self.emps)]
        e.role, e.func, e.tool, e.queues, e.rostered = role, func, tool, queues, rostered
        e.site, e.tz = site, SITES[site][0]
        self.set_shift(e)
        net = SITES[site][1]
        e.ip = "%s.%d.%d" % (net, rw.randint(1, 254), rw.randint(2, 254))
        self.dev_seq += 1
        e.device = "LT-%s-%05d" % (site, self.dev_seq)
        e.remote = (0.08 if rostered else 0.35) * rw.random() * 2
        e.sloppy = 0.2 if rw.random() < 0.1 else 0.01     # share of lookups made without linking the case
        e.hire_day = hire_day
        e.hire_ms = START if hire_day < 0 else self.d0(hire_day) + rw.randint(20, 90) * SEC
        e.hired_on = (START_DT - timedelta(days=rw.randint(40, 2600))).strftime("%Y-%m-%d") if hire_day < 0 \
            else self.dates[hire_day].isoformat()
        e.leave_day = None
        e.leave_ms = None
        e.leave_reason = None
        e.vac = []
        for (m, dd, p) in ((11, 10, 0.08), (12, 18, 0.30)):
            if rw.random() < p:
                st = (datetime(2025 if m > 2 else 2026, m, dd, tzinfo=timezone.utc) - START_DT).days + rw.randint(-4, 6)
                e.vac.append((st, st + rw.randint(4, 8)))
        e.tag = None
        e.ins = None
        e.train_until = hire_day + 7 if hire_day >= 0 else -1
        e.temp = temp
        e.team = ""
        e.actor = None
        e.sess = None
        self.emps.append(e)
        return e

    def set_shift(self, e):
        rw = self.rw
        opts = ROSTER_SHIFTS[e.site] if e.rostered else OFFICE_SHIFTS
        h, ln, _ = rw.choices(opts, weights=[o[2] for o in opts])[0]
        e.shift_min = int(((h - e.tz) * 60) % 1440)
        e.shift_len = int(ln * 60)
        if e.rostered:
            st = rw.choices(range(7), weights=[10, 10, 10, 10, 12, 22, 26])[0]
            e.offdays = (st, (st + 1) % 7)
        else:
            e.offdays = (5, 6)

    def assign_teams(self, emps):
        groups = {}
        for e in emps:
            if e.role == "care-lead":
                continue
            groups.setdefault((e.func, e.site), []).append(e)
        self.care_teams = {}
        for (func, site), lst in sorted(groups.items()):
            size = 12 if func in ("care", "partner", "trust-rev") else 30
            for j, e in enumerate(lst):
                e.team = "%s.%s.%02d" % (func, site.lower(), j // size + 1)
                if func == "care":
                    self.care_teams.setdefault(site, []).append(e.team)
        for e in emps:
            if e.role == "care-lead":
                teams = sorted(set(self.care_teams.get(e.site, ["care.%s.01" % e.site.lower()])))
                e.team = teams[e.i % len(teams)]
            self.refresh_actor(e)

    def refresh_actor(self, e):
        e.actor = {"type": "employee", "id": e.id, "role": e.role, "team": e.team, "site": e.site}

    # ----------------------------------------------------------------- HR
    def plan_hr(self):
        rw, D = self.rw, self.D
        self.hr_hires, self.hr_leaves, self.hr_notice, self.hr_changes = {}, {}, {}, {}
        self.temps, self.leavers, self.changed, self.new_hires = [], [], [], []
        self.change_cut = {}
        roster = list(self.emps)
        # voluntary attrition and a few transfers / dismissals
        n_res = max(1, round(self.E * 0.011 * D / 30))
        pool = [e for e in roster if e.role in ("care-associate", "partner-agent", "review-moderator",
                                                "risk-analyst", "enforcement-analyst")]
        rw.shuffle(pool)
        for e in pool[:n_res]:
            L = rw.randint(min(3, D - 2), D - 1)
            reason = rw.choices(["resigned", "transferred", "terminated"], weights=[80, 12, 8])[0]
            self.set_leave(e, L, reason, notice=(reason != "terminated"))
            e.tag = "leaver"
            self.leavers.append(e)
        # peak-season temporary agents
        hday = self.day_of(11, 17, 0.3)
        n_temp = max(2, round(self.E * 0.05))
        end_day = self.day_of(1, 9, 10.0) if D > 60 else None
        for j in range(n_temp):
            e = self.new_emp("care-associate", None, hire_day=hday, temp=True)
            e.tag = "temp"
            self.temps.append(e)
            if end_day is not None and end_day < D:
                self.set_leave(e, end_day, "terminated", notice=False)
        # replacement hires every other Monday
        n_rep = max(1, round(n_res * 0.7))
        mondays = [d for d in range(1, D - 2) if self.wd[d] == 0] or [max(1, D // 2)]
        for j in range(n_rep):
            role = rw.choices(["care-associate", "partner-agent", "review-moderator", "risk-analyst"],
                              weights=[60, 15, 15, 10])[0]
            e = self.new_emp(role, None, hire_day=mondays[j % len(mondays)])
            self.new_hires.append(e)
        hires = self.temps + self.new_hires
        self.assign_teams_new(hires)
        for e in hires:
            self.hr_hires.setdefault(e.hire_day, []).append(e)
        # internal moves (only people whose shift does not cross midnight UTC)
        n_chg = max(1, round(self.E * 0.008 * D / 30))
        cand = [e for e in roster if e.tag is None and not e.crosses()
                and e.role in ("care-associate", "partner-agent")]
        rw.shuffle(cand)
        for e in cand[:n_chg]:
            cd = rw.randint(2, max(2, D - 3))
            if e.role == "care-associate":
                nr = rw.choice(["review-moderator", "care-lead", "partner-agent"])
            else:
                nr = "key-account-manager"
            e.tag = "changed"
            self.change_cut[e.i] = self.d0(cd)
            self.hr_changes.setdefault(cd, []).append((e, nr))
            self.changed.append((e, nr, cd))

    def assign_teams_new(self, hires):
        for e in hires:
            teams = sorted({x.team for x in self.emps if x.func == e.func and x.site == e.site and x.team})
            if e.role == "care-associate" and e.temp:
                e.team = "care.%s.peak" % e.site.lower()
            elif teams:
                e.team = teams[e.i % len(teams)]
            else:
                e.team = "%s.%s.01" % (e.func, e.site.lower())
            self.refresh_actor(e)

    def set_leave(self, e, L, reason, notice=True):
        e.leave_day = L
        e.leave_reason = reason
        e.leave_ms = self.d0(L) + int(((18.5 - e.tz) * 60) % 1440) * MIN
        self.hr_leaves.setdefault(L, []).append(e)
        if notice:
            nd = L - self.rw.randint(14, 28)
            if nd >= 0:
                self.hr_notice.setdefault(nd, []).append(e)

    def run_hr(self, d):
        out, hris = self.out, self.sys["hris"]
        if d == 0:
            for e in self.emps:
                if e.hire_day < 0:
                    out.ev(START, hris, "employee.hire", target={"type": "employee", "id": e.id},
                           attrs={"role": e.role, "team": e.team, "site": e.site, "snapshot": True,
                                  "hired_on": e.hired_on, "contract": "permanent"})
        for e in self.hr_hires.get(d, []):
            out.ev(e.hire_ms, hris, "employee.hire", target={"type": "employee", "id": e.id},
                   attrs={"role": e.role, "team": e.team, "site": e.site,
                          "contract": "fixed-term" if e.temp else "permanent"})
        for e, nr in self.hr_changes.get(d, []):
            old = e.role
            e.role = nr
            info = ROLE_INFO[nr]
            e.func, e.tool, e.queues = info[2], info[3], info[4]
            if nr == "care-lead":
                pass
            elif nr == "key-account-manager":
                e.site = "LIS"
                e.tz = 0
                e.team = "keyacct.lis.01"
            else:
                e.team = "%s.%s.%02d" % (e.func, e.site.lower(), 1)
            self.refresh_actor(e)
            out.ev(self.d0(d) + MIN, hris, "employee.change", target={"type": "employee", "id": e.id},
                   attrs={"role": e.role, "team": e.team, "site": e.site, "previous_role": old})
        for e in self.hr_notice.get(d, []):
            out.ev(self.d0(d) + 9 * HOUR + self.rw.randint(0, 7200) * SEC, hris, "x.hr.notice",
                   target={"type": "employee", "id": e.id},
                   attrs={"last_day": self.dates[e.leave_day].isoformat(), "kind": "resignation"})

    def emit_leaves(self, d):
        for e in self.hr_leaves.get(d, []):
            self.out.ev(e.leave_ms, self.sys["hris"], "employee.leave", target={"type": "employee", "id": e.id},
                        attrs={"reason": e.leave_reason, "team": e.team})

    # ----------------------------------------------------------------- honeytokens
    def plant_honeytokens(self):
        rw = self.rw
        # decoy reviewers sit on the best-selling shop of each category (heaviest categories first)
        seeded = []
        for cat in sorted(range(len(CATEGORIES)), key=lambda c: -CAT_W[c]):
            if self.cat_sel[cat]:
                seeded.append(min(self.cat_sel[cat], key=lambda s: self.sel_rank[s]))
        n_rev = min(len(seeded), (len(self.honey) * 3 + 4) // 5)
        self.honey_by_seller, self.honey_vip = {}, []
        for j, h in enumerate(self.honey):
            if j < n_rev:
                s = seeded[j]
                self.honey_by_seller.setdefault(s, []).append(h)
                attrs = {"persona": "reviewer", "seeded_seller": self.sid[s]}
            else:
                self.honey_vip.append(h)
                attrs = {"persona": "high-value-buyer"}
            self.out.ev(START + 2 * MIN + j * 37 * SEC, self.sys["decoy-svc"], "honeytoken.plant",
                        target={"type": "customer", "id": h}, attrs=attrs)

    # ----------------------------------------------------------------- marketplace facts
    def pick_seller(self, c):
        rf = self.rf
        if c >= 0 and rf.random() < 0.62:
            cat = self.cust_fav[c]
            cc = self.cat_cum[cat]
            if cc:
                return self.cat_sel[cat][bisect_right(cc, rf.random() * cc[-1])]
        return bisect_right(self.sel_cum, rf.random() * self.sel_cum[-1])

    def day_time(self, d, rng):
        return self.d0(d) + rng.choices(range(24), cum_weights=HOUR_CUM)[0] * HOUR + rng.randrange(HOUR)

    def open_ticket(self, t, actor, kind, cust, sel, queue, ref=-1, sub="", extra=None, by="customer"):
        k = len(self.tk)
        self.tk.append([kind, cust, sel, t, ref, queue, OPEN, -1, by, sub])
        attrs = {"kind": kind}
        if cust >= 0:
            attrs["customer"] = self.cid[cust]
            self.cust_ticket[cust] = k
        if sel >= 0:
            attrs["seller"] = self.sid[sel]
            st = self.sel_tickets[sel]
            st.append(k)
            if len(st) > 80:
                del st[:40]
        if sub:
            attrs["topic"] = sub
        if extra:
            attrs.update(extra)
        self.out.ev(t, actor, "ticket.open", target=self.tobj(k), attrs=attrs)
        return k

    def ban(self, t, s, reason, rule, by="trust-automod", appeal_p=None):
        self.sel_ban[s] = t
        self.sel_ban_reason[s] = reason
        self.out.ev(t, self.sys[by], "account.ban", target=self.sobj[s],
                    attrs={"reason": reason, "rule": rule})
        p = self.sel_appeal_p[s] if appeal_p is None else appeal_p
        if self.sel_reserved[s] is None and self.rf.random() < p:
            ad = (t - START) // DAY + self.rf.randint(0, 3)
            self.sched_tickets.setdefault(ad, []).append(("ap", s, t))

    def last_order_before(self, c, t):
        lst = self.cust_orders[c]
        if not lst:
            return -1
        for o in reversed(lst):
            if self.o_time[o] < t:
                return o
        return -1

    def gen_facts(self, d):
        rf, out, C = self.rf, self.out, self.C
        t0 = self.d0(d)
        dt = self.dates[d]
        sea = self.sea[d]
        newt = []
        cobj, sobj, cid, sid = self.cobj, self.sobj, self.cid, self.sid
        # --- story-planned and automatic seller bans first
        for (s, reason, hour, rule) in self.sched_bans.pop(d, []):
            self.ban(t0 + int(hour * HOUR) + rf.randrange(30 * MIN), s, reason, rule)
        for _ in range(poisson(rf, self.S * 0.0012 * (0.7 + 0.3 * sea))):
            for _try in range(6):
                s = rf.randrange(self.S)
                if not self.sel_ban[s] and self.sel_reserved[s] is None and s not in self.key_accounts \
                        and rf.random() < 1.3 - self.sel_q[s]:
                    reason = rf.choices(["counterfeit", "fraud", "review_manipulation", "policy"],
                                        weights=[35, 25, 20, 20])[0]
                    self.ban(self.day_time(d, rf), s, reason, rf.choice(["cf-model-7", "kyc-mismatch", "txn-velocity",
                                                                        "listing-audit", "review-graph"]))
                    break
        for _ in range(poisson(rf, C * 0.00015)):
            c = rf.randrange(C)
            if self.cust_ban[c] or self.cust_w[c] == 0:
                continue
            t = self.day_time(d, rf)
            self.cust_ban[c] = 1
            out.ev(t, self.sys["trust-automod"], "account.ban", target=cobj[c],
                   attrs={"reason": rf.choice(["fraud", "fraud", "policy"]), "rule": "buyer-risk-score"})
            if rf.random() < 0.35 and d + 1 < self.D:
                self.sched_tickets.setdefault(d + rf.randint(1, 3), []).append(("cap", c, t))
        # --- orders
        n = int(C * 0.10 * sea * rf.uniform(0.93, 1.07))
        hrs = rf.choices(range(24), cum_weights=HOUR_CUM, k=n)
        custs = rf.choices(range(C), cum_weights=self.cust_cum, k=n)
        times = sorted(t0 + h * HOUR + rf.randrange(HOUR) for h in hrs)
        yymmdd = dt.strftime("%y%m%d")
        o_cust, o_sel, o_prod, o_time, o_id = self.o_cust, self.o_sel, self.o_prod, self.o_time, self.o_id
        D = self.D
        for t, c in zip(times, custs):
            if self.cust_ban[c]:
                continue
            s = self.pick_seller(c)
            if self.sel_ban[s]:
                continue
            prods = self.sel_prod[s]
            p = rf.randrange(len(prods))
            o = len(o_time)
            oid = "OR%s-%07d" % (yymmdd, o)
            o_cust.append(c)
            o_sel.append(s)
            o_prod.append(p)
            o_time.append(t)
            o_id.append(oid)
            out.ev(t, cobj[c], "order.create", target={"type": "order", "id": oid},
                   attrs={"seller": sid[s], "product": prods[p], "amount": round(8 + rf.expovariate(1 / 45.0), 2)})
            lst = self.cust_orders[c]
            if lst is None:
                self.cust_orders[c] = [o]
            else:
                lst.append(o)
                if len(lst) > 14:
                    del lst[:4]
            so = self.sel_orders[s]
            so.append(o)
            if len(so) > 1500:
                del so[:500]
            # unhappy buyers review (and complain) more often than happy ones
            u = rf.random()
            q = self.sel_q[s]
            p_sat, p_uns = 0.09 * q, 0.30 * (1.0 - q)
            if u < p_sat + p_uns:
                rd = d + rf.randint(2, 9)
                if rd < D:
                    self.sched_reviews.setdefault(rd, []).append((o, u < p_sat))
            elif u < p_sat + p_uns + 0.13 * 1.5:
                td = d + rf.randint(1, 9)
                if td < D and rf.random() < returns_factor(self.dates[td]) / 1.5:
                    self.sched_tickets.setdefault(td, []).append(("oi", o, t))
        # --- reviews
        flags = []
        for o, sat in self.sched_reviews.pop(d, []):
            c, s = o_cust[o], o_sel[o]
            if self.cust_ban[c]:
                continue
            t = max(self.day_time(d, rf), o_time[o] + HOUR)
            if sat:
                rating = 5 if rf.random() < 0.62 else 4
            else:
                rating = rf.choices((1, 2, 3), weights=(45, 30, 25))[0]
            r = self.new_review(t, c, s, o_prod[o], rating, True)
            if rf.random() < (0.03 + (0.05 if rating == 1 else 0.0)):
                tf = t + rf.randint(60, 1200) * SEC
                flags.append((tf, r))
            if rating <= 2 and self.sel_rd_owner[s] is None and rf.random() < 0.22:
                self.sched_tickets.setdefault(d + rf.randint(0, 3), []).append(("rd", r, t))
        for hook in self.fact_hooks.pop(d, []):
            hook(d, newt, flags)
        flags.sort()
        for tf, r in flags:
            out.ev(tf, self.sys["review-filter"], "x.review.flag", target={"type": "review", "id": self.rid(r)},
                   attrs={"score": round(0.6 + 0.4 * rf.random(), 3), "model": "rf-spam-4"})
            heapq.heappush(self.Q["flag"], (tf + rf.randint(5, 240) * MIN, r))
        # --- scheduled tickets
        for item in self.sched_tickets.pop(d, []):
            kind, x, tmin = item
            t = max(self.day_time(d, rf), tmin + rf.randint(20, 240) * MIN)
            if kind == "oi":
                c, s = o_cust[x], o_sel[x]
                if self.cust_ban[c]:
                    continue
                sub = rf.choice(["late_delivery", "damaged_item", "wrong_item", "refund_status", "return_label"])
                k = self.open_ticket(t, cobj[c], "order_issue", c, s, "care", ref=x, sub=sub,
                                     extra={"order": o_id[x], "channel": rf.choice(["chat", "chat", "email", "phone"])})
                newt.append((t, k))
            elif kind == "rd":
                if self.r_del[x]:
                    continue
                s = self.r_sel[x]
                k = self.open_ticket(t, sobj[s], "review_dispute", self.r_cust[x], s, "review", ref=x,
                                     sub="seller_contests_review", extra={"review": self.rid(x)}, by="seller")
                newt.append((t, k))
            elif kind == "rr":
                c = self.r_cust[x]
                k = self.open_ticket(t, cobj[c], "review_dispute", c, self.r_sel[x], "review", ref=x,
                                     sub="my_review_removed", extra={"review": self.rid(x)})
                newt.append((t, k))
            elif kind == "ap":
                s = x
                if not self.sel_ban[s] or self.sel_reserved[s] is not None:
                    continue
                k = self.open_ticket(t, sobj[s], "appeal", -1, s, "appeal", sub=self.sel_ban_reason[s], by="seller")
                newt.append((t, k))
            elif kind == "cap":
                c = x
                if not self.cust_ban[c]:
                    continue
                k = self.open_ticket(t, cobj[c], "appeal", c, -1, "appeal", sub="buyer_ban")
                newt.append((t, k))
        # --- spontaneous contacts
        f_contact = sea ** 0.35 * returns_factor(dt) ** 0.5
        for _ in range(poisson(rf, C * 0.008 * f_contact)):
            c = rf.choices(range(C), cum_weights=self.cust_cum)[0]
            if self.cust_ban[c]:
                continue
            t = self.day_time(d, rf)
            if rf.random() < 0.04:
                k = self.open_ticket(t, cobj[c], "account", c, -1, "legal", sub="data_access_request",
                                     extra={"channel": "web_form"})
            else:
                k = self.open_ticket(t, cobj[c], "account", c, -1, "care",
                                     sub=rf.choice(["login_problem", "email_change", "address_change",
                                                    "close_account", "phone_change"]),
                                     extra={"channel": rf.choice(["chat", "email", "phone"])})
            newt.append((t, k))
        for _ in range(poisson(rf, C * 0.003 * f_contact)):
            c = rf.choices(range(C), cum_weights=self.cust_cum)[0]
            t = self.day_time(d, rf)
            k = self.open_ticket(t, cobj[c], "other", c, -1, "care",
                                 sub=rf.choice(["voucher", "payment_question", "gift_card", "loyalty_points"]),
                                 extra={"channel": rf.choice(["chat", "email"])})
            newt.append((t, k))
        for _ in range(poisson(rf, self.S * 0.25 * sea ** 0.5)):
            s = bisect_right(self.sel_cum, rf.random() * self.sel_cum[-1])
            if self.sel_ban[s]:
                continue
            t = t0 + rf.randint(6 * 60, 20 * 60) * MIN + rf.randrange(MIN)
            q = "keyacct" if s in self.key_accounts else "partner"
            so = self.sel_orders[s]
            if so and rf.random() < 0.4 and self.o_time[so[-1]] < t:
                o = so[-1 - rf.randrange(min(len(so), 30))]
                if self.o_time[o] >= t:
                    o = so[0]
                if self.o_time[o] < t:
                    k = self.open_ticket(t, sobj[s], "order_issue", o_cust[o], s, q, ref=o,
                                         sub=rf.choice(["buyer_address_unclear", "return_dispute", "chargeback_evidence"]),
                                         extra={"order": o_id[o]}, by="seller")
                    newt.append((t, k))
                    continue
            k = self.open_ticket(t, sobj[s], "other", -1, s, q,
                                 sub=rf.choice(["payout_delay", "listing_blocked", "fee_question", "catalogue_import",
                                                "shipping_template"]), by="seller")
            newt.append((t, k))
        for _ in range(poisson(rf, C * 0.0015 * sea ** 0.7)):
            c = rf.choices(range(C), cum_weights=self.cust_cum)[0]
            t = self.day_time(d, rf)
            o = self.last_order_before(c, t)
            s = o_sel[o] if o >= 0 else -1
            k = self.open_ticket(t, self.sys["risk-engine"], "fraud_report", c, s, "fraud", ref=o,
                                 sub=rf.choice(["chargeback", "account_takeover", "promo_abuse", "reseller_pattern"]),
                                 extra={"score": round(0.5 + 0.5 * rf.random(), 3)}, by="system")
            newt.append((t, k))
        for _ in range(poisson(rf, C * 0.00005)):
            c = rf.choices(range(C), cum_weights=self.cust_cum)[0]
            t = t0 + rf.randint(8 * 60, 17 * 60) * MIN
            k = self.open_ticket(t, self.sys["legal-intake"], "other", c, -1, "legal", sub="law_enforcement_request",
                                 extra={"authority": rf.choice(["PJ-PT", "KGP-PL", "DIJ-CO", "NBI-PH"])}, by="system")
            newt.append((t, k))
        for t, k in newt:
            self.enqueue(k)

    def new_review(self, t, c, s, p, rating, verified):
        r = len(self.r_time)
        self.r_cust.append(c)
        self.r_sel.append(s)
        self.r_prod.append(p)
        self.r_time.append(t)
        self.r_rating.append(rating)
        self.r_del.append(0)
        self.sel_reviews[s].append(r)
        self.out.ev(t, self.cobj[c], "review.create", target={"type": "review", "id": self.rid(r)},
                    attrs={"seller": self.sid[s], "product": self.sel_prod[s][p], "rating": rating,
                           "verified_purchase": verified})
        return r

    def latency(self, k):
        """How long a new case waits before routing hands it to someone (channel / queue SLA)."""
        rec, rf = self.tk[k], self.rf
        q = rec[T_QUEUE]
        if q in ("care", "surge"):
            u = rf.random()
            if u < 0.45:
                return rf.randint(60, 900) * SEC                       # chat
            if u < 0.6:
                return rf.randint(10, 240) * SEC                       # phone
            return int(rf.lognormvariate(math.log(2 * HOUR), 0.8))   # e-mail / web form
        med = {"partner": 1.5, "keyacct": 0.7, "review": 3.0, "appeal": 8.0, "fraud": 4.0, "legal": 20.0,
               "fraudring": 1.0}.get(q, 2.0)
        return int(rf.lognormvariate(math.log(med * HOUR), 0.7))

    def enqueue(self, k):
        q = self.tk[k][T_QUEUE]
        if q is not None:
            heapq.heappush(self.Q[q], (self.tk[k][T_OPEN] + self.latency(k), k))

    def autoclose(self, d):
        cutoff = self.d0(d) - 6 * DAY
        tk = self.tk
        for name, q in self.Q.items():
            if name == "flag":
                if any(tf < cutoff for tf, _ in q):
                    q[:] = [(tf, r) for tf, r in q if tf >= cutoff]
                    heapq.heapify(q)
                continue
            if not any(tk[k][T_OPEN] < cutoff for _, k in q):
                continue
            keep = []
            for ready, k in q:
                rec = tk[k]
                if rec[T_STATUS] != OPEN:
                    continue
                if rec[T_OPEN] < cutoff:
                    rec[T_STATUS] = CLOSED
                    self.out.ev(self.d0(d) + 23 * HOUR + self.rf.randrange(HOUR), self.sys["sla-timer"], "ticket.close",
                                target=self.tobj(k), attrs={"resolution": "auto_closed_stale"})
                else:
                    keep.append((ready, k))
            heapq.heapify(keep)
            self.Q[name] = keep

    # ----------------------------------------------------------------- staff: sessions
    def is_off(self, e, d):
        """Whether e has no regular shift starting on UTC day d."""
        rs = self.rs
        if e.hire_day > d or (e.leave_day is not None and d > e.leave_day):
            return True
        off = (e.shift_min + e.tz * 60) // 1440
        ld = d + off
        lwd = (self.wd[d] + off) % 7
        if lwd in e.offdays:
            return True
        for a, b in e.vac:
            if a <= ld <= b:
                return True
        dt = self.dates[max(0, min(ld, len(self.dates) - 1))]
        if (dt.month, dt.day) in ((12, 25), (1, 1)) and rs.random() < 0.75:
            return True
        if (dt.month, dt.day) in ((12, 24), (12, 31)) and rs.random() < 0.35:
            return True
        return rs.random() < 0.025

    def new_session(self, e, start, end, kind):
        rs = self.rs
        if e.leave_ms is not None and end > e.leave_ms - 2 * HOUR:
            end = e.leave_ms - 2 * HOUR          # the last case started still closes before HR's cut-off
        cut = self.change_cut.get(e.i)
        if cut is not None and start < cut < end + 2 * HOUR:
            end = min(end, cut - 2 * HOUR)       # no old-role work spills past an internal move
        if start < e.hire_ms + 5 * MIN:
            start = e.hire_ms + 5 * MIN
        start = max(start, self.out.floor + MIN)
        end = min(end, self.wend - MIN)
        if end - start < 45 * MIN:
            return None
        s = Sess()
        s.e, s.start, s.end, s.kind, s.log = e, start, end, kind, []
        self.sess_seq += 1
        s.sid = "w%x" % (self.sess_seq * 7919 % 16777213 + 16777216)
        s.base = {"tool": e.tool, "session": s.sid}
        if rs.random() < e.remote:
            s.ip = "100.72.%d.%d" % (rs.randint(0, 255), rs.randint(2, 254))
        else:
            s.ip = e.ip
        return s

    def login(self, s, t, extra=None):
        rs, e = self.rs, s.e
        attrs = {"ip": s.ip, "device": e.device, "tool": "sso", "session": s.sid,
                 "network": "vpn" if s.ip.startswith("100.72.") else "office"}
        if extra:
            attrs.update(extra)
        if rs.random() < 0.015:
            self.out.ev(t, e.actor, "auth.login", outcome="failed", attrs=dict(attrs, mfa="timeout"))
            t += rs.randint(20, 90) * SEC
        self.out.ev(t, e.actor, "auth.login", attrs=attrs)
        return t

    def plan_sessions(self, d):
        rs = self.rs
        t0 = self.d0(d)
        sessions = []
        backlog = 0
        for ready, k in self.Q["care"]:
            if ready < t0 and self.tk[k][T_STATUS] == OPEN:
                backlog += 1
        self.backlog[d] = backlog
        peak = self.sea[d] >= 1.6 or backlog > 0.5 * self.care_cap
        for e in self.emps:
            e.sess = None
            if e.hire_day > d or (e.leave_day is not None and d > e.leave_day):
                continue
            if 0 <= d <= e.train_until and e.hire_day >= 0:
                if self.wd[d] < 5 and d >= e.hire_day:
                    st = t0 + (9 * 60 + rs.randint(-5, 10)) * MIN          # HQ training hours, Lisbon time
                    s = self.new_session(e, st, st + 8 * HOUR, "training")
                    if s:
                        sessions.append(s)
                        self.training_log.setdefault(e.id, []).append(d)
                continue
            if self.is_off(e, d):
                if peak and e.role == "care-associate" and rs.random() < 0.22 and not e.crosses():
                    st = t0 + e.shift_min * MIN + rs.randint(0, 60) * MIN
                    s = self.new_session(e, st, st + rs.randint(240, 330) * MIN, "overtime")
                    if s:
                        sessions.append(s)
                        self.overtime_days.setdefault(d, set()).add(e.id)
                        self.tag("peak_overtime_sessions")
                continue
            st = t0 + (e.shift_min + rs.randint(-8, 15)) * MIN
            en = st + (e.shift_len + rs.randint(-10, 25)) * MIN
            if peak and e.func == "care" and rs.random() < 0.3:
                en += rs.randint(60, 150) * MIN
                self.overtime_days.setdefault(d, set()).add(e.id)
                self.tag("peak_overtime_sessions")
            s = self.new_session(e, st, en, "shift")
            if s:
                sessions.append(s)
        for extra in self.extra_sessions.pop(d, []):
            sessions.append(extra)
        return sessions

    def simulate(self, d):
        rs = self.rs
        sessions = self.plan_sessions(d)
        self.d_now = d
        self.working = set()
        self.disp_today = []
        for s in sessions:
            e = s.e
            if s.kind not in ("story",):
                e.sess = s
            self.working.add(e.i)
            self.login(s, s.start)
            if e.func == "wfm":
                self.disp_today.append(s)
            if s.end - s.start > 6 * HOUR and rs.random() < 0.35:
                self.login(s, s.start + rs.randint(4 * 60, 5 * 60) * MIN, {"reason": "reauth"})
        heap = [(s.start + rs.randint(1, 4) * MIN, i) for i, s in enumerate(sessions)]
        heapq.heapify(heap)
        step = self.step
        while heap:
            t, i = heapq.heappop(heap)
            s = sessions[i]
            if t >= s.end:
                continue
            nt = step(s, t)
            if nt <= t:
                nt = t + MIN
            heapq.heappush(heap, (nt, i))
        self.sessions_today = sessions

    # ----------------------------------------------------------------- staff: work
    def pick(self, qn, t):
        """Next ticket (or flag item) of queue qn routable at t; returns (item, next_time)."""
        h = self.Q.get(qn)
        if not h:
            return None, None
        tk = self.tk
        if qn == "flag":
            while h:
                tf, r = h[0]
                if self.r_del[r]:
                    heapq.heappop(h)
                    continue
                if tf <= t:
                    heapq.heappop(h)
                    return (tf, r), None
                return None, tf
            return None, None
        while h:
            ready, k = h[0]
            rec = tk[k]
            if rec[T_STATUS] != OPEN:
                heapq.heappop(h)
                continue
            if ready <= t and rec[T_OPEN] < t:
                heapq.heappop(h)
                rec[T_STATUS] = TAKEN
                return k, None
            return None, max(ready, rec[T_OPEN] + SEC)
        return None, None

    def queues_for(self, e, d):
        ov = self.qoverride.get(e.i)
        if ov and d in ov[0]:
            return ov[1]
        return e.queues

    def step(self, s, t):
        e = s.e
        if s.kind == "training":
            return self.training_step(s, t)
        if s.kind == "story":
            return s.end
        f = e.func
        rs = self.rs
        if f == "wfm":
            return s.end
        if f == "dataplat":
            self.out.ev(t, e.actor, "x.pipeline.run", attrs=dict(s.base, job=rs.choice(
                ["orders_daily_agg", "seller_payout_recon", "review_sentiment", "catalog_dedupe"])))
            return t + rs.randint(60, 180) * MIN
        if f == "sre":
            self.out.ev(t, e.actor, "x.ops.change", attrs=dict(s.base, change="CHG-%d" % rs.randint(10000, 99999)))
            return t + rs.randint(90, 240) * MIN
        if f == "qa":
            return self.qa_step(s, t)
        if e.role == "care-lead" and rs.random() < 0.12:
            return self.lead_audit(s, t)
        nxt = None
        for qn in self.queues_for(e, self.d_now):
            item, nt = self.pick(qn, t)
            if item is not None:
                return self.handle(s, t, qn, item)
            if nt is not None and (nxt is None or nt < nxt):
                nxt = nt
        if nxt is not None and nxt - t < 25 * MIN:
            return max(nxt, t + 30 * SEC) + rs.randint(5, 60) * SEC
        if f == "care" and rs.random() < 0.12:
            return self.inbound_call(s, t)
        return t + rs.randint(12, 40) * MIN

    def handle(self, s, t, qn, item):
        if qn == "flag":
            return self.flag_item(s, t, item)
        kind = self.tk[item][T_KIND]
        if qn in ("care", "surge"):
            return self.care_ticket(s, t, item, qn)
        if qn in ("partner", "keyacct"):
            return self.partner_ticket(s, t, item, qn)
        if qn == "review":
            return self.review_ticket(s, t, item)
        if qn == "appeal":
            return self.appeal_ticket(s, t, item)
        if qn in ("fraud", "fraudring"):
            return self.fraud_ticket(s, t, item, qn)
        if qn == "legal":
            return self.legal_ticket(s, t, item)
        raise RuntimeError("no handler for %s/%s" % (qn, kind))

    def assign(self, s, t, k, qn):
        rs, e = self.rs, s.e
        actor, attrs = e.actor, dict(s.base, assignee=e.id, queue=qn)
        if qn == "care" and self.disp_today and rs.random() < 0.5:
            cands = [x for x in self.disp_today if x.start < t < x.end]
            if cands:
                ds = cands[rs.randrange(len(cands))]
                actor = ds.e.actor
                attrs = {"tool": "dispatch", "session": ds.sid, "assignee": e.id, "queue": qn}
        self.out.ev(t, actor, "ticket.assign", target=self.tobj(k), attrs=attrs)
        rec = self.tk[k]
        rec[T_WHO] = e.i
        rec[T_STATUS] = TAKEN
        return t + rs.randint(20, 120) * SEC

    def close(self, s, t, k, resolution, log=True):
        e = s.e
        rec = self.tk[k]
        if e.tag == "leaver" and e.leave_day is not None and self.d_now >= e.leave_day - 1 and rec[T_QUEUE] == "care":
            return self.handover(s, t, k)
        rec[T_STATUS] = CLOSED
        self.out.ev(t, e.actor, "ticket.close", target=self.tobj(k), attrs=dict(s.base, resolution=resolution))
        if rec[T_QUEUE] == "care":
            self.recent_closed.append((k, e.i, t))
        return t

    def handover(self, s, t, k):
        """A leaver's last days: open cases are handed to a colleague, who closes them later."""
        rs, e = self.rs, s.e
        tc = t + rs.randint(60, 300) * MIN
        mates = [x for x in self.emps if x.team == e.team and x is not e and x.employed(tc)
                 and x.employed(t) and x.tag != "leaver"]
        if not mates:
            self.tk[k][T_STATUS] = CLOSED
            self.out.ev(t, e.actor, "ticket.close", target=self.tobj(k), attrs=dict(s.base, resolution="resolved"))
            return t
        m = mates[rs.randrange(len(mates))]
        self.out.ev(t, e.actor, "ticket.assign", target=self.tobj(k),
                    attrs=dict(s.base, assignee=m.id, queue="care", reason="handover"))
        self.tk[k][T_STATUS] = CLOSED
        self.tk[k][T_WHO] = m.i
        self.out.ev(tc, m.actor, "ticket.close", target=self.tobj(k),
                    attrs={"tool": m.tool, "resolution": "resolved_after_handover"})
        self.tag("leaver_handover", 2)
        return t

    def q_for(self, c, how):
        cid = self.cid[c]
        h = int(cid[2:])
        if how == "email":
            return "email:%s%s***@%s" % (chr(97 + h % 26), chr(97 + (h // 26) % 26),
                                         ("gmail.com", "outlook.com", "sapo.pt", "wp.pl", "yahoo.com")[h % 5])
        if how == "phone":
            return "phone:*%04d" % (h % 10000)
        return "name:%s %s." % (("Ana", "Jan", "Maria", "Jose", "Kasia", "Luis", "Rosa", "Marco", "Ewa", "Paulo")[h % 10],
                                "ABCDEFGHIJKLMNOPRSTW"[(h // 10) % 20])

    def order_view(self, s, t, o, purpose):
        self.out.ev(t, s.e.actor, "order.view", target={"type": "order", "id": self.o_id[o]}, purpose=purpose,
                    attrs=dict(s.base, customer=self.cid[self.o_cust[o]], seller=self.sid[self.o_sel[o]]))

    def note(self, s, t, k):
        self.out.ev(t, s.e.actor, "x.case.note", target=self.tobj(k), attrs=s.base)

    def care_ticket(self, s, t, k, qn):
        rs, out, e = self.rs, self.out, s.e
        rec = self.tk[k]
        c, kind, sub = rec[T_CUST], rec[T_KIND], rec[T_SUB]
        t_start = t
        pur = None if rs.random() < e.sloppy else {"ticket": self.tid(k), "code": "customer_request"}
        t = self.assign(s, t, k, qn)
        if rs.random() < 0.35:
            how = "order" if kind == "order_issue" and rec[T_REF] >= 0 else rs.choice(["email", "phone"])
            q = ("order:" + self.o_id[rec[T_REF]]) if how == "order" else self.q_for(c, how)
            tg = [self.cid[c]]
            if how != "order" and rs.random() < 0.3:
                tg += [self.cid[rs.randrange(self.C)] for _ in range(rs.randint(1, 2))]
            out.ev(t, e.actor, "customer.search", targets=tg, purpose=pur, attrs=dict(s.base, query=q))
            t += rs.randint(20, 90) * SEC
        if kind == "order_issue":
            fields = ["name", "address", "orders"] if rs.random() < 0.7 else ["name", "phone", "address", "orders"]
        elif kind == "account":
            fields = ["name", "email", "phone", "account"]
        else:
            fields = ["name", "email", "payment"] if sub == "payment_question" else ["name", "email", "orders"]
        out.ev(t, e.actor, "customer.view", target=self.cobj[c], fields=fields, purpose=pur, attrs=s.base)
        t += rs.randint(30, 200) * SEC
        if kind == "order_issue" and rec[T_REF] >= 0:
            self.order_view(s, t, rec[T_REF], pur)
            t += rs.randint(30, 180) * SEC
            if rs.random() < 0.25:
                o2 = self.last_order_before(c, t)
                if o2 >= 0 and o2 != rec[T_REF]:
                    self.order_view(s, t, o2, pur)
                    t += rs.randint(30, 120) * SEC
        elif kind == "other" and rs.random() < 0.4:
            o2 = self.last_order_before(c, t)
            if o2 >= 0:
                self.order_view(s, t, o2, pur)
                t += rs.randint(30, 120) * SEC
        if rs.random() < 0.5:
            self.note(s, t, k)
            t += rs.randint(20, 90) * SEC
        if rs.random() < 0.45:
            out.ev(t, e.actor, "x.macro.send", target=self.cobj[c],
                   attrs=dict(s.base, template=rs.choice(MACROS.get(sub) or MACROS[kind]), ticket=self.tid(k)))
        s.log.append((t_start, k))
        dur = rs.triangular(12, 48, 22) * MIN
        tc = max(t + MIN, t_start + int(dur))
        if kind == "order_issue":
            res = rs.choice(["refunded", "replacement_sent", "return_label_issued", "info_provided", "seller_contacted"])
        elif kind == "account":
            res = rs.choice(["account_updated", "password_reset", "identity_verified", "info_provided"])
        else:
            res = rs.choice(["info_provided", "voucher_issued", "no_action"])
        self.close(s, tc, k, res)
        return tc + rs.randint(1, 5) * MIN

    def partner_ticket(self, s, t, k, qn):
        rs, out, e = self.rs, self.out, s.e
        rec = self.tk[k]
        sel = rec[T_SEL]
        t_start = t
        pur = None if rs.random() < e.sloppy else {"ticket": self.tid(k), "code": "seller_request"}
        t = self.assign(s, t, k, qn)
        o = rec[T_REF]
        if o >= 0:
            self.order_view(s, t, o, pur)
            t += rs.randint(40, 200) * SEC
            if rs.random() < 0.45:
                out.ev(t, e.actor, "customer.view", target=self.cobj[self.o_cust[o]], fields=["name", "address"],
                       purpose=pur, attrs=s.base)
                t += rs.randint(30, 120) * SEC
        elif rs.random() < 0.3:
            so = self.sel_orders[sel]
            for _ in range(rs.randint(1, 2)):
                if so:
                    o2 = so[-1 - rs.randrange(min(len(so), 40))]
                    if self.o_time[o2] < t:
                        self.order_view(s, t, o2, pur)
                        t += rs.randint(30, 120) * SEC
        if rs.random() < 0.6:
            self.note(s, t, k)
        s.log.append((t_start, k))
        tc = max(t + MIN, t_start + int(rs.triangular(15, 50, 25) * MIN))
        self.close(s, tc, k, rs.choice(["resolved", "payout_released", "listing_restored", "explained",
                                        "buyer_contacted", "evidence_accepted"]))
        return tc + rs.randint(1, 6) * MIN

    def review_ticket(self, s, t, k):
        rs, out, e = self.rs, self.out, s.e
        rec = self.tk[k]
        r, sub = rec[T_REF], rec[T_SUB]
        t_start = t
        t = self.assign(s, t, k, "review")
        tgt = {"type": "review", "id": self.rid(r)}
        res = "review_kept"
        if sub == "seller_contests_review":
            if rs.random() < 0.25:
                out.ev(t, e.actor, "customer.view", target=self.cobj[self.r_cust[r]], fields=["reviews", "account"],
                       purpose={"ticket": self.tid(k), "code": "quality_review"}, attrs=s.base)
                t += rs.randint(30, 150) * SEC
            p_del = 0.15 + (0.08 if self.r_rating[r] == 1 else 0.0)
            if not self.r_del[r] and rs.random() < p_del:
                out.ev(t, e.actor, "review.delete", target=tgt,
                       purpose={"ticket": self.tid(k), "code": "seller_request"},
                       attrs=dict(s.base, reason=rs.choice(["abuse", "off_topic", "other", "seller_request"])))
                self.r_del[r] = t
                res = "review_removed"
                self.maybe_restore_request(r, t)
        else:
            if self.r_del[r] and self.r_del[r] < t and rs.random() < 0.55:
                out.ev(t, e.actor, "review.restore", target=tgt,
                       purpose={"ticket": self.tid(k), "code": "customer_request"}, attrs=s.base)
                self.r_del[r] = 0
                res = "review_restored"
            else:
                res = "removal_upheld"
        if rs.random() < 0.5:
            self.note(s, t + 20 * SEC, k)
        s.log.append((t_start, k))
        tc = max(t + MIN, t_start + int(rs.triangular(6, 20, 10) * MIN))
        self.close(s, tc, k, res)
        return tc + rs.randint(1, 3) * MIN

    def maybe_restore_request(self, r, t, p=0.2):
        rs = self.rs
        if rs.random() < p:
            dd = (t - START) // DAY + rs.randint(2, 5)
            if dd < self.D:
                self.sched_tickets.setdefault(dd, []).append(("rr", r, t))

    def flag_item(self, s, t, item):
        rs, out, e = self.rs, self.out, s.e
        tf, r = item
        tgt = {"type": "review", "id": self.rid(r)}
        if rs.random() < 0.5:
            out.ev(t, e.actor, "review.delete", target=tgt, purpose={"code": "quality_review"},
                   attrs=dict(s.base, reason=rs.choices(["spam", "off_topic", "abuse"], weights=[60, 25, 15])[0],
                              queue="flag"))
            self.r_del[r] = t
            self.maybe_restore_request(r, t, 0.06)
        else:
            out.ev(t, e.actor, "x.review.keep", target=tgt, purpose={"code": "quality_review"},
                   attrs=dict(s.base, queue="flag"))
        return t + rs.randint(90, 420) * SEC

    def approver_for(self, t, requester, roles):
        rs = self.rs
        cands = [x for x in self.emps if x.role in roles and x is not requester and x.employed(t)
                 and x.ins is None]
        if not cands:
            cands = [x for x in self.emps if x.role in roles and x is not requester and x.employed(t)]
        if not cands:
            return None
        on = [x for x in cands if x.i in self.working]
        pool = on or cands
        return pool[rs.randrange(len(pool))]

    def grant(self, t, requester, scope, k=-1, roles=("trust-lead",), approver=None, reason=None):
        rs = self.rs
        ap = approver or self.approver_for(t, requester, roles)
        if ap is None:
            return None
        ta = max(self.out.floor, t - rs.randint(2, 25) * MIN)
        if k >= 0:
            ta = max(ta, self.tk[k][T_OPEN] + 20 * SEC)
        ta = min(ta, t - SEC)
        self.appr_seq += 1
        aid = "4E-%06d" % self.appr_seq
        attrs = {"approval": aid, "scope": scope, "tool": "approvals"}
        if k >= 0:
            attrs["ticket"] = self.tid(k)
        if reason:
            attrs["reason"] = reason
        self.out.ev(ta, ap.actor, "x.approval.grant", target={"type": "employee", "id": requester.id}, attrs=attrs)
        self.approvals.append((aid, ap.i, requester.i, scope, ta))
        self.last_grant_t = ta
        return aid

    def appeal_ticket(self, s, t, k):
        rs, out, e = self.rs, self.out, s.e
        rec = self.tk[k]
        t_start = t
        t = self.assign(s, t, k, "appeal")
        self.note(s, t, k)
        t += rs.randint(2, 8) * MIN
        sel, c = rec[T_SEL], rec[T_CUST]
        if sel >= 0:
            pur = {"ticket": self.tid(k), "code": "seller_request"}
            so = self.sel_orders[sel]
            for _ in range(rs.randint(1, 3)):
                if so:
                    o = so[-1 - rs.randrange(min(len(so), 60))]
                    if self.o_time[o] < t:
                        self.order_view(s, t, o, pur)
                        t += rs.randint(60, 300) * SEC
            reason = self.sel_ban_reason[sel]
            p_up = {"policy": 0.5, "review_manipulation": 0.3, "fraud": 0.15, "counterfeit": 0.12}.get(reason, 0.3)
            res = "appeal_denied"
            if self.sel_ban[sel] and self.sel_ban[sel] < t and rs.random() < p_up:
                pur = dict(pur)
                if reason in ("fraud", "counterfeit", "review_manipulation"):
                    aid = self.grant(t, e, "account.reactivate", k)
                    if aid:
                        pur["approval"] = aid
                out.ev(t, e.actor, "account.reactivate", target=self.sobj[sel], purpose=pur,
                       attrs=dict(s.base, appeal=self.tid(k)))
                self.sel_ban[sel] = 0
                res = "appeal_upheld"
        else:
            pur = {"ticket": self.tid(k), "code": "customer_request"}
            out.ev(t, e.actor, "customer.view", target=self.cobj[c], fields=["account", "orders", "payment"],
                   purpose=pur, attrs=s.base)
            t += rs.randint(3, 10) * MIN
            res = "appeal_denied"
            if self.cust_ban[c] and rs.random() < 0.3:
                out.ev(t, e.actor, "account.reactivate", target=self.cobj[c], purpose=pur,
                       attrs=dict(s.base, appeal=self.tid(k)))
                self.cust_ban[c] = 0
                res = "appeal_upheld"
        s.log.append((t_start, k))
        tc = max(t + MIN, t_start + int(rs.triangular(18, 55, 30) * MIN))
        self.close(s, tc, k, res)
        return tc + rs.randint(2, 8) * MIN

    def fraud_ticket(self, s, t, k, qn):
        rs, out, e = self.rs, self.out, s.e
        rec = self.tk[k]
        c, sel, o = rec[T_CUST], rec[T_SEL], rec[T_REF]
        t_start = t
        t = self.assign(s, t, k, qn)
        pur = {"ticket": self.tid(k), "code": "fraud_investigation"}
        out.ev(t, e.actor, "customer.view", target=self.cobj[c], fields=["name", "payment", "orders", "account"],
               purpose=pur, attrs=s.base)
        t += rs.randint(2, 6) * MIN
        if o >= 0:
            self.order_view(s, t, o, pur)
            t += rs.randint(1, 4) * MIN
        if rs.random() < 0.45:
            tg = [self.cid[c]] + [self.cid[rs.randrange(self.C)] for _ in range(rs.randint(0, 4))]
            out.ev(t, e.actor, "customer.search", targets=tg, purpose=pur,
                   attrs=dict(s.base, query=rs.choice(["device:", "card_bin:", "ip:"]) + "%08x" % rs.getrandbits(32)))
            t += rs.randint(2, 8) * MIN
        res = rs.choice(["false_positive", "false_positive", "monitoring", "confirmed_fraud"])
        if res == "confirmed_fraud" and not self.cust_ban[c] and rs.random() < 0.5:
            out.ev(t, e.actor, "account.suspend", target=self.cobj[c], purpose=pur,
                   attrs=dict(s.base, reason="fraud"))
            self.cust_ban[c] = 1
        if res == "confirmed_fraud" and sel >= 0 and not self.sel_ban[sel] and self.sel_reserved[sel] is None \
                and sel not in self.key_accounts and rs.random() < 0.15:
            out.ev(t + MIN, e.actor, "account.suspend", target=self.sobj[sel], purpose=pur,
                   attrs=dict(s.base, reason=rs.choice(["fraud", "counterfeit"])))
            self.sel_ban[sel] = t + MIN
            self.sel_ban_reason[sel] = "fraud"
            if rs.random() < 0.5:
                dd = self.d_now + rs.randint(2, 4)
                self.sched_tickets.setdefault(dd, []).append(("ap", sel, t + MIN))
        s.log.append((t_start, k))
        tc = max(t + 2 * MIN, t_start + int(rs.triangular(25, 75, 40) * MIN))
        self.close(s, tc, k, res)
        return tc + rs.randint(2, 8) * MIN

    def legal_ticket(self, s, t, k):
        rs, out, e = self.rs, self.out, s.e
        rec = self.tk[k]
        c = rec[T_CUST]
        t_start = t
        t = self.assign(s, t, k, "legal")
        pur = {"ticket": self.tid(k), "code": "legal"}
        if rec[T_SUB] == "data_access_request":
            out.ev(t, e.actor, "customer.view", target=self.cobj[c], fields=list(FIELDS_ALL), purpose=pur, attrs=s.base)
            t += rs.randint(10, 30) * MIN
            out.ev(t, e.actor, "customer.export", targets=[self.cid[c]], fields=list(FIELDS_ALL), purpose=pur,
                   attrs=dict(s.base, format="zip", batch="dsar-%d" % k))
            t += rs.randint(2, 10) * MIN
            out.ev(t, e.actor, "x.macro.send", target=self.cobj[c],
                   attrs=dict(s.base, template="dsar_package_ready", ticket=self.tid(k)))
            res = "dsar_fulfilled"
        else:
            out.ev(t, e.actor, "customer.view", target=self.cobj[c], fields=["name", "address", "phone", "orders", "payment"],
                   purpose=pur, attrs=s.base)
            t += rs.randint(5, 20) * MIN
            lst = self.cust_orders[c] or []
            for o in lst[-rs.randint(1, 3):]:
                if self.o_time[o] < t:
                    self.order_view(s, t, o, pur)
                    t += rs.randint(1, 4) * MIN
            res = rs.choice(["disclosed_to_authority", "disclosed_to_authority", "rejected_insufficient_basis"])
        s.log.append((t_start, k))
        tc = max(t + MIN, t_start + int(rs.triangular(30, 90, 45) * MIN))
        self.close(s, tc, k, res)
        return tc + rs.randint(3, 10) * MIN

    def lead_audit(self, s, t):
        rs, e = self.rs, s.e
        rc = self.recent_closed
        if not rc:
            return t + rs.randint(15, 40) * MIN
        for _ in range(4):
            k, who, tcl = rc[rs.randrange(len(rc))]
            if who != e.i and tcl < t:
                c = self.tk[k][T_CUST]
                self.out.ev(t, e.actor, "customer.view", target=self.cobj[c], fields=["name", "orders"],
                            purpose={"ticket": self.tid(k), "code": "quality_review", "reason": "case QA audit"},
                            attrs=s.base)
                self.out.ev(t + rs.randint(3, 9) * MIN, e.actor, "x.case.note", target=self.tobj(k),
                            attrs=dict(s.base, qa_score=rs.randint(55, 100)))
                return t + rs.randint(25, 50) * MIN
        return t + rs.randint(15, 40) * MIN

    def inbound_call(self, s, t):
        """Phone lookup without a case yet: legitimate, ticketless access."""
        rs, e, out = self.rs, s.e, self.out
        c = rs.choices(range(self.C), cum_weights=self.cust_cum)[0]
        out.ev(t, e.actor, "customer.search", targets=[self.cid[c]],
               purpose={"code": "customer_request", "reason": "inbound call"}, attrs=dict(s.base, query=self.q_for(c, "phone")))
        t += rs.randint(30, 90) * SEC
        out.ev(t, e.actor, "customer.view", target=self.cobj[c], fields=["name", "orders", "address"],
               purpose={"code": "customer_request", "reason": "inbound call, caller verified"}, attrs=s.base)
        return t + rs.randint(5, 15) * MIN

    def qa_step(self, s, t):
        rs, e, out = self.rs, s.e, self.out
        out.ev(t, e.actor, "x.qa.smoke", attrs=dict(s.base, suite=rs.choice(["checkout", "care-console", "payout"])))
        t += rs.randint(2, 6) * MIN
        for c in rs.sample(self.qa_accts, rs.randint(1, 3)):
            out.ev(t, e.actor, "customer.view", target=self.cobj[c], fields=["name", "email", "address", "payment"],
                   purpose={"code": "quality_review", "reason": "release smoke test on internal test buyer"}, attrs=s.base)
            t += rs.randint(20, 90) * SEC
        self.tag("qa_test_buyers")
        return t + rs.randint(80, 160) * MIN

    def training_step(self, s, t):
        rs, e, out = self.rs, s.e, self.out
        rc = self.recent_closed
        u = rs.random()
        if u < 0.55 and rc:
            k, who, tcl = rc[rs.randrange(len(rc))]
            if tcl < t:
                c = self.tk[k][T_CUST]
                out.ev(t, e.actor, "customer.view", target=self.cobj[c], fields=["name", "email", "orders"],
                       purpose={"ticket": self.tid(k), "code": "quality_review", "reason": "onboarding shadowing"},
                       outcome="denied" if rs.random() < 0.12 else None, attrs=s.base)
                self.tag("new_hire_training")
        elif u < 0.75:
            tg = [self.cid[rs.randrange(self.C)] for _ in range(rs.randint(2, 8))]
            out.ev(t, e.actor, "customer.search", targets=tg,
                   purpose={"code": "quality_review", "reason": "training exercise"},
                   attrs=dict(s.base, query=rs.choice(["name:Maria", "name:Jan K.", "email:*@gmail.com", "city:Porto"])))
            self.tag("new_hire_training")
        elif u < 0.79:
            tg = [self.cid[rs.randrange(self.C)] for _ in range(rs.randint(10, 40))]
            out.ev(t, e.actor, "customer.export", targets=tg, outcome="denied",
                   attrs=dict(s.base, format="csv", batch="trn-%s" % s.sid))
            self.tag("new_hire_training")
        return t + rs.randint(15, 45) * MIN

    # stories are added by the subclasses below
    def plan_lookalikes(self):
        pass

    def plan_insiders(self):
        self.insiders = []

    def run_insiders(self, d):
        pass

    # ===================================================================== main loop
    def run(self, outdir):
        wall = _clock.time()
        os.makedirs(outdir, exist_ok=True)
        self.out = Out(os.path.join(outdir, "events.jsonl"), self.seed, self.D)
        self.day_hooks, self.post_hooks = {}, {}
        self.build_world()
        self.build_staff()
        self.plan_hr()
        self.plan_lookalikes()
        self.plan_insiders()
        self.plant_honeytokens()
        self.gen_facts(0)
        for d in range(self.D):
            self.run_hr(d)
            if d + 1 < self.D:
                self.gen_facts(d + 1)
            for hook in self.day_hooks.pop(d, []):
                hook(d)
            self.simulate(d)
            self.run_insiders(d)
            for hook in self.post_hooks.pop(d, []):
                hook(d)
            self.emit_leaves(d)
            self.autoclose(d)
            self.out.flush(d)
        self.out.close()
        self.wall = _clock.time() - wall
        self.write_truth(outdir)

    def write_truth(self, outdir):
        raise NotImplementedError


# ============================================================================ look-alikes
class LookAlikes(Gen):
    """Legitimate activity that a naive detector would flag."""

    def cast(self, roles, n, rng, pred=None, tag="cast"):
        pool = [e for e in self.emps if e.role in roles and e.tag is None and e.hire_day < 0
                and e.ins is None and (pred is None or pred(e))]
        pool.sort(key=lambda e: e.id)
        rng.shuffle(pool)
        out = pool[:n]
        for e in out:
            e.tag = tag
        return out

    def local(self, e, d, hour):
        return self.d0(d) + int(((hour - e.tz) % 24) * 60) * MIN

    def story_session(self, e, start, end, network=None):
        s = self.new_session(e, start, end, "story")
        if s is None:
            return None
        if network == "vpn":
            s.ip = "100.72.%d.%d" % (self.rs.randint(0, 255), self.rs.randint(2, 254))
        self.login(s, s.start)
        return s

    def orders_before(self, lst, t):
        return lst[:bisect_right(lst, t - 1, key=self.o_time.__getitem__)]

    def free_seller(self, rng, lo, hi, pred=None):
        cands = [s for s in self.by_rank[lo:hi] if s not in self.used_sellers and s not in self.key_accounts
                 and (pred is None or pred(s))]
        if not cands:
            cands = [s for s in self.by_rank if s not in self.used_sellers and s not in self.key_accounts]
        s = cands[rng.randrange(len(cands))]
        self.used_sellers.add(s)
        return s

    def lookalike(self, kind, story, employees, days, sellers, **extra):
        rec = {"kind": kind, "story": story, "employees": sorted({e.id for e in employees}),
               "days": sorted({self.dates[d].isoformat() for d in days if 0 <= d < self.D}),
               "sellers": [self.sid[s] for s in sellers]}
        rec.update(extra)
        self.stats_lookalikes.append(rec)
        return rec

    def plan_lookalikes(self):
        rl, D = self.rl, self.D
        self.lk_days = {}
        # 1. key-account surge: warehouse outage at the biggest seller after Black Friday
        K = self.by_rank[0]
        self.used_sellers.add(K)
        ks = self.day_of(11, 29, 0.45)
        span = [d for d in range(ks, min(D, ks + 5))]
        tiger = self.cast(("care-associate",), max(3, self.E // 80), rl,
                          pred=lambda e: e.site in ("LIS", "KRK") and not e.crosses(), tag="surge-team")
        kams = [e for e in self.emps if e.role == "key-account-manager" and e.tag is None and e.hire_day < 0]
        for e in kams:
            e.tag = "surge-team"
        for e in tiger:
            self.qoverride[e.i] = (set(span), ("surge", "care"))
        for e in kams:
            self.qoverride[e.i] = (set(span), ("surge", "keyacct", "partner"))
        self.Q["surge"] = []
        for d in span:
            self.fact_hooks.setdefault(d, []).append(lambda d, newt, flags, K=K: self.surge_tickets(d, newt, K))
        self.lookalike("key_account_surge",
                       "warehouse outage at the largest seller: a tiger team of care agents and the key-account "
                       "managers view hundreds of that seller's orders and buyers' addresses and phones, all on tickets",
                       tiger + kams, span, [K])
        # 2. review-bomb cleanup on one seller
        V = self.free_seller(rl, 10, 60, pred=lambda s: self.sel_q[s] > 0.8)
        vb = self.day_of(12, 8, 0.55)
        mods = self.cast(("review-moderator",), 2, rl, tag="cleanup")
        lead = self.cast(("trust-lead",), 1, rl, tag="cleanup")
        if vb + 1 < D and len(mods) == 2 and lead:
            self.bomb = {"seller": V, "reviews": [], "ticket": -1}
            self.fact_hooks.setdefault(vb, []).append(lambda d, newt, flags: self.review_bomb(d))
            self.day_hooks.setdefault(vb + 1, []).append(lambda d: self.bomb_cleanup(d, mods, lead[0]))
            self.lookalike("review_bomb_cleanup",
                           "a competitor's sock accounts post a wave of unverified 1-star reviews; two moderators "
                           "delete them all in one sitting under a trust-lead approval and the seller's ticket",
                           mods + lead, [vb, vb + 1], [V])
        # 3. mistaken ban wave, then an approved mass reactivation
        ub = self.day_of(12, 10, 0.6)
        ana = self.cast(("enforcement-analyst",), 1, rl, tag="unban")
        lead2 = self.cast(("trust-lead",), 1, rl, tag="unban") or lead
        if ub + 1 < D and ana and lead2:
            n = max(8, self.S // 20)
            wave = []
            for s in self.by_rank[30:]:
                if len(wave) >= n:
                    break
                if s not in self.used_sellers and s not in self.key_accounts and rl.random() < 0.5:
                    wave.append(s)
                    self.used_sellers.add(s)
            self.wave = {"sellers": wave, "appeals": {}, "incident": -1}
            self.fact_hooks.setdefault(ub, []).append(lambda d, newt, flags: self.ban_wave(d))
            self.day_hooks.setdefault(ub + 1, []).append(lambda d: self.mass_unban(d, ana[0], lead2[0]))
            self.lookalike("mass_unban",
                           "a model rollout bans %d sellers for counterfeit within 40 minutes; next morning one "
                           "analyst reactivates all of them under a single trust-lead approval" % len(wave),
                           ana + lead2, [ub, ub + 1], wave)
        # 4. CRM migration exports
        mg = self.day_of(1, 13, 0.7)
        de = self.cast(("data-engineer",), 1, rl, tag="migration")
        po = self.cast(("privacy-officer",), 1, rl, tag="migration") or \
            [e for e in self.emps if e.role == "privacy-officer"][:1]
        if mg + 1 < D and de and po:
            self.day_hooks.setdefault(mg, []).append(lambda d: self.migration(d, de[0], po[0], 0))
            self.day_hooks.setdefault(mg + 1, []).append(lambda d: self.migration(d, de[0], po[0], 1))
            self.lookalike("crm_migration",
                           "a data engineer exports 30% of all customer records in 500-record batches over two "
                           "nights, approved by privacy and tied to a change ticket", de + po, [mg, mg + 1], [])
        # 5. legal production of a fraudulent seller's buyers
        lp = self.day_of(12, 16, 0.5)
        Z = self.free_seller(rl, 20, 200)
        self.sel_reserved[Z] = "legal"
        pos = [e for e in self.emps if e.role == "privacy-officer" and e.tag != "migration" and e.hire_day < 0] or \
            [e for e in self.emps if e.role == "privacy-officer"]
        if lp >= 4 and pos:
            p2 = pos[0]
            self.sched_bans.setdefault(lp - 3, []).append((Z, "fraud", 10, "txn-velocity"))
            self.day_hooks.setdefault(lp, []).append(lambda d: self.legal_production(d, p2, Z))
            self.lookalike("legal_production",
                           "a court production order for a banned fraudulent seller: privacy exports every buyer "
                           "of that seller", [p2], [lp], [Z])
        # 6. fraud-ring investigation of one seller's buyers
        fr = self.day_of(11, 20, 0.25)
        W = self.free_seller(rl, 15, 120)
        ras = self.cast(("risk-analyst",), 2, rl, tag="fraudring")
        fspan = [d for d in range(fr, min(D, fr + 8))]
        if ras and len(fspan) >= 3:
            self.Q["fraudring"] = []
            for e in ras:
                self.qoverride[e.i] = (set(fspan), ("fraudring", "fraud"))
            for d in fspan:
                self.fact_hooks.setdefault(d, []).append(lambda d, newt, flags, W=W: self.ring_reports(d, newt, W))
            self.post_hooks.setdefault(fspan[0], []).append(lambda d: self.ring_sweep(d, ras[0], W))
            self.post_hooks.setdefault(fspan[-1], []).append(lambda d: self.ring_takedown(d, ras[-1], W))
            self.lookalike("fraud_ring_investigation",
                           "two risk analysts spend a week on one seller's fake-order ring: bulk search of its buyers, "
                           "payment data views, then the seller and some buyers are suspended", ras, fspan, [W])
        # 7. on-call incident night with break-glass access
        ni = self.day_of(11, 28, 0.5)
        ni = ni + 1 if ni + 1 < D else ni
        sre = self.cast(("sre-oncall",), 1, rl, tag="incident")
        if sre:
            self.day_hooks.setdefault(ni, []).append(lambda d: self.incident_night(d, sre[0]))
            self.lookalike("oncall_incident",
                           "payment-capture incident in the night after the Black Friday peak: the on-call engineer "
                           "uses break-glass to look at payment data of a hundred-odd buyers at 1-4 a.m.", sre, [ni], [])

    # --- 1
    def surge_tickets(self, d, newt, K):
        rf = self.rf
        n = max(8, int(self.C * 0.004 * rf.uniform(0.8, 1.2)))
        t0 = self.d0(d)
        made = []
        for _ in range(n):
            t = t0 + rf.randint(6 * 60, 22 * 60) * MIN + rf.randrange(MIN)
            prior = self.orders_before(self.sel_orders[K], t - 6 * HOUR)
            if not prior:
                continue
            o = prior[-1 - rf.randrange(min(len(prior), 400))]
            c = self.o_cust[o]
            k = self.open_ticket(t, self.cobj[c], "order_issue", c, K, None, ref=o, sub="warehouse_outage_delay",
                                 extra={"order": self.o_id[o], "channel": "chat"})
            self.tk[k][T_QUEUE] = "surge"
            made.append((t, k))
        for t, k in made:
            self.enqueue(k)
        self.tag("key_account_surge", n)

    # --- 2
    def review_bomb(self, d):
        rf, b = self.rf, self.bomb
        V = b["seller"]
        n = max(25, self.S // 12)
        t0 = self.d0(d) + rf.randint(1, 4) * HOUR
        socks = [rf.randrange(self.C) for _ in range(n)]
        for i, c in enumerate(socks):
            if self.cust_w[c] == 0:
                continue
            t = t0 + i * rf.randint(40, 200) * SEC
            r = self.new_review(t, c, V, rf.randrange(len(self.sel_prod[V])), 1, False)
            b["reviews"].append(r)
        tt = self.r_time[b["reviews"][-1]] + rf.randint(30, 90) * MIN
        b["ticket"] = self.open_ticket(tt, self.sobj[V], "review_dispute", -1, V, None, ref=b["reviews"][0],
                                       sub="coordinated_review_attack", extra={"review": self.rid(b["reviews"][0]),
                                                                               "count": len(b["reviews"])}, by="seller")
        self.tag("review_bomb_cleanup", len(b["reviews"]) + 1)

    def bomb_cleanup(self, d, mods, lead):
        rs, b, out = self.rs, self.bomb, self.out
        k = b["ticket"]
        tstart = max(self.local(lead, d, 9.5), self.tk[k][T_OPEN] + 10 * MIN)
        ls = self.story_session(lead, tstart, tstart + 3 * HOUR)
        if ls is None:
            return
        out.ev(ls.start + 5 * MIN, lead.actor, "ticket.assign", target=self.tobj(k),
               attrs=dict(ls.base, assignee=mods[0].id, queue="review"))
        self.tk[k][T_STATUS] = TAKEN
        t = ls.start + 20 * MIN
        revs = [r for r in b["reviews"] if not self.r_del[r]]
        half = len(revs) // 2
        n_ev = 2
        for j, m in enumerate(mods):
            ms = self.story_session(m, t + 5 * MIN, t + 4 * HOUR)
            if ms is None:
                continue
            aid = self.grant(ms.start + MIN, m, "review.delete.bulk", k, approver=lead,
                             reason="coordinated attack, %d reviews" % len(revs))
            tt = ms.start + 3 * MIN
            part = revs[:half] if j == 0 else revs[half:]
            for r in part:
                out.ev(tt, m.actor, "review.delete", target={"type": "review", "id": self.rid(r)},
                       purpose={"ticket": self.tid(k), "code": "quality_review", "approval": aid},
                       attrs=dict(ms.base, reason="spam", batch="bomb-%d" % k))
                self.r_del[r] = tt
                tt += rs.randint(25, 80) * SEC
                n_ev += 1
            if j == 0:
                out.ev(tt + 5 * MIN, m.actor, "ticket.close", target=self.tobj(k),
                       attrs=dict(ms.base, resolution="attack_reviews_removed"))
                self.tk[k][T_STATUS] = CLOSED
        self.tag("review_bomb_cleanup", n_ev + 2)

    # --- 3
    def ban_wave(self, d):
        rf, w = self.rf, self.wave
        t = self.d0(d) + 3 * HOUR + rf.randrange(20 * MIN)
        for s in w["sellers"]:
            self.sel_reserved[s] = "unban"
            t += rf.randint(5, 40) * SEC
            self.ban(t, s, "counterfeit", "cf-model-7.3-rollout", appeal_p=0.0)
        for s in w["sellers"]:
            if rf.random() < 0.5:
                ta = self.sel_ban[s] + rf.randint(60, 600) * MIN
                w["appeals"][s] = self.open_ticket(ta, self.sobj[s], "appeal", -1, s, None, sub="counterfeit", by="seller")
        w["incident"] = self.open_ticket(self.d0(d) + rf.randint(10 * 60, 13 * 60) * MIN, self.sys["ticketing"],
                                         "other", -1, -1, None, sub="false_positive_ban_wave",
                                         extra={"incident": "INC-%d" % self.inc_seq}, by="system")
        self.tag("mass_unban", 2 * len(w["sellers"]) + len(w["appeals"]) + 1)

    def mass_unban(self, d, ana, lead):
        rs, w, out = self.rs, self.wave, self.out
        k = w["incident"]
        st = self.local(ana, d, 9.0)
        s = self.story_session(ana, st, st + 4 * HOUR)
        if s is None:
            return
        aid = self.grant(s.start + 10 * MIN, ana, "account.reactivate.bulk", k, approver=lead,
                         reason="rollback cf-model-7.3 false positives")
        out.ev(s.start + 12 * MIN, ana.actor, "ticket.assign", target=self.tobj(k), attrs=dict(s.base, assignee=ana.id, queue="appeal"))
        t = s.start + 20 * MIN
        n = 1
        for sel in w["sellers"]:
            attrs = dict(s.base, batch="unban-INC-%d" % self.inc_seq)
            ap = w["appeals"].get(sel)
            if ap is not None and self.tk[ap][T_OPEN] < t:
                attrs["appeal"] = self.tid(ap)
            out.ev(t, ana.actor, "account.reactivate", target=self.sobj[sel],
                   purpose={"ticket": self.tid(k), "code": "quality_review", "approval": aid,
                            "reason": "false-positive ban wave rollback"}, attrs=attrs)
            self.sel_ban[sel] = 0
            self.sel_reserved[sel] = None
            n += 1
            if "appeal" in attrs:
                out.ev(t + 20 * SEC, ana.actor, "ticket.close", target=self.tobj(ap),
                       attrs=dict(s.base, resolution="appeal_upheld_false_positive"))
                self.tk[ap][T_STATUS] = CLOSED
                n += 1
            t += rs.randint(40, 120) * SEC
        for sel, ap in w["appeals"].items():
            if self.tk[ap][T_STATUS] != CLOSED:      # appeal filed after the rollback started
                out.ev(max(t, self.tk[ap][T_OPEN] + MIN), ana.actor, "ticket.close", target=self.tobj(ap),
                       attrs=dict(s.base, resolution="appeal_upheld_false_positive"))
                self.tk[ap][T_STATUS] = CLOSED
        out.ev(t + 10 * MIN, ana.actor, "ticket.close", target=self.tobj(k), attrs=dict(s.base, resolution="rolled_back"))
        self.tk[k][T_STATUS] = CLOSED
        self.tag("mass_unban", n + 3)

    # --- 4
    def migration(self, d, de, po, night):
        rs, out = self.rs, self.out
        if night == 0:
            t = self.local(po, d, 15.0)
            self.mig_ticket = self.open_ticket(t - 2 * HOUR, self.sys["ticketing"], "other", -1, -1, None,
                                               sub="change_request", extra={"change": "CHG-CRM3-CUTOVER"}, by="system")
            self.mig_appr = self.grant(t, de, "customer.export.bulk", self.mig_ticket, approver=po,
                                       reason="CRM v3 migration, 2 nights")
            order = sorted(range(self.C), key=lambda c: self.cid[c])
            lo = rs.randrange(0, max(1, int(self.C * 0.7)))
            self.mig_set = order[lo:lo + int(self.C * 0.3)]
        st = self.local(de, d, 21.0)
        s = self.story_session(de, st, st + 5 * HOUR, network="vpn")
        if s is None:
            return
        chunk = self.mig_set[night * len(self.mig_set) // 2:(night + 1) * len(self.mig_set) // 2]
        t = s.start + 10 * MIN
        out.ev(t, de.actor, "x.pipeline.run", attrs=dict(s.base, job="crm3_cutover_extract"))
        n = 1
        for j in range(0, len(chunk), 500):
            t += rs.randint(2, 6) * MIN
            out.ev(t, de.actor, "customer.export", targets=[self.cid[c] for c in chunk[j:j + 500]],
                   fields=["name", "email", "phone", "address", "account"],
                   purpose={"ticket": self.tid(self.mig_ticket), "code": "quality_review", "approval": self.mig_appr,
                            "reason": "CRM v3 migration"},
                   attrs=dict(s.base, format="parquet", batch="mig-crm3-n%d" % (night + 1), part=j // 500 + 1))
            n += 1
        if night == 1:
            out.ev(t + 20 * MIN, de.actor, "ticket.close", target=self.tobj(self.mig_ticket),
                   attrs=dict(s.base, resolution="change_completed"))
            n += 1
        self.tag("crm_migration", n + 2)

    # --- 5
    def legal_production(self, d, po, Z):
        rs, out = self.rs, self.out
        t = self.local(po, d, 9.0)
        k = self.open_ticket(t - 90 * MIN, self.sys["legal-intake"], "other", -1, Z, None, sub="production_order",
                             extra={"authority": "PJ-PT"}, by="system")
        s = self.story_session(po, t, t + 6 * HOUR)
        if s is None:
            return
        out.ev(s.start + 5 * MIN, po.actor, "ticket.assign", target=self.tobj(k), attrs=dict(s.base, assignee=po.id, queue="legal"))
        pur = {"ticket": self.tid(k), "code": "legal"}
        tt = s.start + 15 * MIN
        orders = self.orders_before(self.sel_orders[Z], tt)
        for o in orders[-12:]:
            self.order_view(s, tt, o, pur)
            tt += rs.randint(30, 120) * SEC
        buyers = sorted({self.o_cust[o] for o in orders})
        n = min(12, len(orders)) + 3
        for j in range(0, len(buyers), 400):
            tt += rs.randint(3, 9) * MIN
            out.ev(tt, po.actor, "customer.export", targets=[self.cid[c] for c in buyers[j:j + 400]],
                   fields=["name", "email", "address", "orders"], purpose=pur,
                   attrs=dict(s.base, format="csv", batch="prod-%d" % k, part=j // 400 + 1))
            n += 1
        out.ev(tt + 30 * MIN, po.actor, "ticket.close", target=self.tobj(k), attrs=dict(s.base, resolution="produced_to_authority"))
        self.tk[k][T_STATUS] = CLOSED
        self.tag("legal_production", n)

    # --- 6
    def ring_reports(self, d, newt, W):
        rf = self.rf
        n = max(3, int(self.C * 0.0004 * rf.uniform(0.7, 1.3)))
        made = []
        for _ in range(n):
            t = self.day_time(d, rf)
            prior = self.orders_before(self.sel_orders[W], t - HOUR)
            if not prior:
                continue
            o = prior[-1 - rf.randrange(min(len(prior), 200))]
            c = self.o_cust[o]
            k = self.open_ticket(t, self.sys["risk-engine"], "fraud_report", c, W, None, ref=o, sub="seller_fake_orders",
                                 extra={"score": round(0.8 + 0.2 * rf.random(), 3)}, by="system")
            self.tk[k][T_QUEUE] = "fraudring"
            made.append((t, k))
        for t, k in made:
            self.enqueue(k)
        self.tag("fraud_ring_investigation", len(made))

    def ring_sweep(self, d, ra, W):
        rs, out = self.rs, self.out
        s = self.story_session(ra, self.local(ra, d, 16.0), self.local(ra, d, 16.0) + 2 * HOUR)
        if s is None:
            return
        t = s.start + 5 * MIN
        ks = [k for k in self.sel_tickets[W] if self.tk[k][T_KIND] == "fraud_report" and self.tk[k][T_OPEN] < t]
        if not ks:
            return
        buyers = sorted({self.o_cust[o] for o in self.orders_before(self.sel_orders[W], t)})[:300]
        out.ev(t, ra.actor, "customer.search", targets=[self.cid[c] for c in buyers],
               purpose={"ticket": self.tid(ks[-1]), "code": "fraud_investigation"},
               attrs=dict(s.base, query="seller:%s orders:60d" % self.sid[W]))
        self.tag("fraud_ring_investigation", 2)

    def ring_takedown(self, d, ra, W):
        rs, out = self.rs, self.out
        s = self.story_session(ra, self.local(ra, d, 15.0), self.local(ra, d, 15.0) + 2 * HOUR)
        if s is None:
            return
        t = s.start + 10 * MIN
        ks = [k for k in self.sel_tickets[W] if self.tk[k][T_KIND] == "fraud_report" and self.tk[k][T_OPEN] < t]
        if not ks or self.sel_ban[W]:
            return
        pur = {"ticket": self.tid(ks[-1]), "code": "fraud_investigation"}
        out.ev(t, ra.actor, "account.suspend", target=self.sobj[W], purpose=pur, attrs=dict(s.base, reason="fraud"))
        self.sel_ban[W] = t
        self.sel_ban_reason[W] = "fraud"
        self.sel_reserved[W] = "fraudring"
        n = 2
        for k in ks[-6:]:
            c = self.tk[k][T_CUST]
            if not self.cust_ban[c] and rs.random() < 0.5:
                t += rs.randint(1, 4) * MIN
                out.ev(t, ra.actor, "account.suspend", target=self.cobj[c], purpose=pur, attrs=dict(s.base, reason="fraud"))
                self.cust_ban[c] = 1
                n += 1
        self.tag("fraud_ring_investigation", n)

    # --- 7
    def incident_night(self, d, sre):
        rs, out = self.rs, self.out
        t0 = self.d0(d) + 35 * MIN
        self.inc_seq += 1
        inc = "INC-%d" % self.inc_seq
        k = self.open_ticket(t0, self.sys["ticketing"], "other", -1, -1, None, sub="payment_capture_failures",
                             extra={"incident": inc, "severity": "sev1"}, by="system")
        out.ev(t0 + 2 * MIN, self.sys["pagerduty"], "x.incident.page", target={"type": "employee", "id": sre.id},
               attrs={"incident": inc, "ticket": self.tid(k)})
        s = self.story_session(sre, t0 + 14 * MIN, t0 + 4 * HOUR, network="vpn")
        if s is None:
            return
        out.ev(s.start + 2 * MIN, sre.actor, "ticket.assign", target=self.tobj(k), attrs=dict(s.base, assignee=sre.id, queue="incident"))
        t = s.start + 6 * MIN
        hi = bisect_right(self.o_time, t0 - 1)
        lo = bisect_right(self.o_time, t0 - 8 * HOUR)
        recent = list(range(lo, hi))
        rs.shuffle(recent)
        pur = {"ticket": self.tid(k), "code": "break_glass", "reason": "%s payment capture failures" % inc}
        n = 4
        for o in recent[:max(40, min(250, self.C // 300))]:
            c = self.o_cust[o]
            out.ev(t, sre.actor, "customer.view", target=self.cobj[c], fields=["payment", "orders", "account"],
                   purpose=pur, attrs=s.base)
            t += rs.randint(15, 50) * SEC
            self.order_view(s, t, o, pur)
            t += rs.randint(20, 70) * SEC
            n += 2
        out.ev(t + 15 * MIN, sre.actor, "ticket.close", target=self.tobj(k), attrs=dict(s.base, resolution="mitigated"))
        self.tk[k][T_STATUS] = CLOSED
        self.tag("oncall_incident", n)


# ============================================================================ insiders
class Insider:
    def __init__(self, emp, kind, subtle):
        self.emp, self.kind, self.subtle = emp, kind, subtle
        self.sellers, self.tsel, self.targets = [], [], []
        self.start_day = self.end_day = 0
        self.first = self.last = None
        self.customers = set()
        self.seen = set()
        self.touched = set()
        self.n = 0
        self.acts = {}
        self.days = set()
        self.burst_days = set()
        self.react = {}
        self.ring = None
        self.ring_role = None
        self.approver = None
        self.flavour = ""
        self.byod = None


INSIDER_ROLES = {
    "data_sale": ("care-associate", "partner-agent"),
    "review_removal": ("review-moderator",),
    "seller_reinstatement": ("enforcement-analyst",),
    "snooping": ("care-associate", "risk-analyst"),
    "departing_exfil": ("care-associate", "partner-agent", "risk-analyst"),
    "competitor_intel": ("partner-agent", "key-account-manager"),
}
PER_1000 = [("data_sale", 3), ("review_removal", 3), ("seller_reinstatement", 2), ("snooping", 2),
            ("departing_exfil", 2), ("competitor_intel", 1)]
RING_ROLES = [("data", "care-associate"), ("reviews", "review-moderator"),
              ("reinstate", "enforcement-analyst"), ("approver", "trust-lead")]


class Market5(LookAlikes):

    # ----------------------------------------------------------------- planning
    def p_purpose(self, ins):
        return min(0.95, 0.05 + 1.3 * self.cover) if ins.subtle else 0.35 * self.cover

    def window(self, subtle):
        ri, D = self.ri, self.D
        if subtle:
            length = ri.randint(max(4, int(D * 0.35)), max(5, int(D * 0.6)))
        else:
            length = ri.randint(max(3, int(D * 0.15)), max(4, int(D * 0.35)))
        sd = ri.randint(2, max(2, D - length - 1))
        return sd, min(D - 1, sd + length)

    def pick_emp(self, roles, kind):
        got = self.cast(roles, 1, self.ri, tag="insider")
        if not got:
            got = self.cast(("care-associate",), 1, self.ri, tag="insider")
        return got[0] if got else None

    def bursts(self, ins, n):
        days = list(range(ins.start_day, ins.end_day + 1))
        self.ri.shuffle(days)
        ins.burst_days = set(days[:max(1, n)])

    def plan_insiders(self):
        ri, E, D = self.ri, self.E, self.D
        self.insiders = []
        specs = []
        for kind, k in PER_1000:
            specs += [kind] * max(1, round(k * E / 1000))
        ring_size = 4 if E >= 600 else (3 if E >= 300 else 2)
        total = len(specs) + ring_size
        order = list(range(total))
        ri.shuffle(order)
        subtle_idx = set(order[:int(round(self.cover * total))])
        self.top_customers = sorted(range(self.C), key=lambda c: -self.cust_w[c])[:max(150, self.C // 25)]
        for j, kind in enumerate(specs):
            e = self.pick_emp(INSIDER_ROLES[kind], kind)
            if e is None:
                continue
            ins = Insider(e, kind, j in subtle_idx)
            e.ins = ins
            ins.start_day, ins.end_day = self.window(ins.subtle)
            ins.byod = "BYOD-%04X" % ri.randrange(65536)
            getattr(self, "setup_" + kind)(ins)
            self.insiders.append(ins)
        self.setup_ring([j in subtle_idx for j in range(len(specs), total)], ring_size)

    def setup_data_sale(self, ins):
        ri = self.ri
        k = ri.randint(1, 3) if self.E >= 300 else ri.randint(1, 2)
        ins.sellers = [self.free_seller(ri, 5, 150) for _ in range(k)]
        cat = self.sel_cat[ins.sellers[0]]
        comps = [s for s in sorted(self.cat_sel[cat], key=lambda s: self.sel_rank[s]) if s not in ins.sellers][:2]
        ins.tsel = ins.sellers + comps
        ins.flavour = "broker buys contact data of reviewers of its client sellers and their competitors"
        self.bursts(ins, sround(ri, 3 * self.intensity))

    def setup_review_removal(self, ins):
        ri = self.ri
        B = self.free_seller(ri, 1, max(8, self.S // 25))
        self.sel_q[B] = 0.5 + 0.15 * ri.random()
        ins.start_day = max(ins.start_day, min(self.D // 3, 8))
        ins.end_day = max(ins.end_day, min(self.D - 1, ins.start_day + 4))
        self.sel_rd_owner[B] = ins
        ins.sellers = ins.tsel = [B]
        ins.flavour = "paid by a low-rated seller to make its negative reviews disappear"
        self.bursts(ins, sround(ri, 2.5 * self.intensity))

    def setup_seller_reinstatement(self, ins, sellers=None):
        ri = self.ri
        if sellers is None:
            k = min(4, max(1, sround(ri, 2.5 * self.intensity)))
            sellers = [self.free_seller(ri, 40, self.S) for _ in range(k)]
        ins.sellers = ins.tsel = list(sellers)
        for s in sellers:
            self.sel_reserved[s] = ins
            b = ri.randint(ins.start_day, max(ins.start_day, ins.end_day - 2))
            reason = ri.choice(["counterfeit", "fraud", "review_manipulation"])
            self.sched_bans.setdefault(b, []).append((s, reason, ri.uniform(1, 20), "listing-audit"))
            ins.react[s] = {"wait": ri.randint(0, 2), "done": 0, "reason": reason}
        ins.flavour = ins.flavour or "reactivates banned sellers for a fee"

    def setup_snooping(self, ins):
        ri = self.ri
        k = ri.randint(1, 3)
        tg = []
        while len(tg) < k:
            c = ri.choices(range(self.C), cum_weights=self.cust_cum)[0]
            if c not in tg:
                tg.append(c)
        ins.targets = tg
        ins.flavour = ri.choice(["ex-partner and her new partner", "a local celebrity", "a neighbour in a dispute",
                                 "a former schoolmate"])

    def setup_departing_exfil(self, ins):
        ri, D = self.ri, self.D
        e = ins.emp
        L = ri.randint(max(5, D // 3), D - 1)
        self.set_leave(e, L, "resigned", notice=True)
        ins.start_day, ins.end_day = max(1, L - ri.randint(8, 16)), L
        if ri.random() < 0.5:
            cat = ri.choices(range(len(CATEGORIES)), weights=CAT_W)[0]
            ranked = sorted(self.cat_sel[cat], key=lambda s: self.sel_rank[s])
            if len(ranked) >= 3:
                new_emp = ranked[min(len(ranked) - 1, ri.randint(2, 6))]
                ins.sellers = [new_emp]
                ins.tsel = [s for s in ranked[:3] if s != new_emp]
                ins.flavour = "leaves to join a seller and takes buyers of its competitors"
        if not ins.sellers:
            ins.flavour = "takes the high-value customer list before resigning"
        self.bursts(ins, sround(ri, 2.5 * self.intensity))
        ins.burst_days = {d for d in ins.burst_days if d >= ins.end_day - 8} or {ins.end_day - 1}

    def setup_competitor_intel(self, ins):
        ri = self.ri
        B = self.free_seller(ri, 20, 300)
        cat = self.sel_cat[B]
        ranked = [s for s in sorted(self.cat_sel[cat], key=lambda s: self.sel_rank[s]) if s != B]
        X = ranked[0] if ranked else self.by_rank[0]
        ins.sellers, ins.tsel = [B], [X]
        ins.flavour = "feeds a seller the buyer list of its biggest competitor"
        self.bursts(ins, sround(ri, 2 * self.intensity))

    def setup_ring(self, subtle_flags, size):
        ri = self.ri
        R = self.free_seller(ri, 1, max(8, self.S // 25))
        self.sel_q[R] = 0.5 + 0.1 * ri.random()
        R2 = self.free_seller(ri, 100, self.S)
        self.sel_cat[R2] = self.sel_cat[R]
        sd, ed = self.window(True)
        members = []
        for j, (part, role) in enumerate(RING_ROLES[:size]):
            e = self.pick_emp((role,), "collusion_ring")
            if e is None or (part != "data" and e.role != role):
                if e is not None:
                    e.tag = None
                continue
            ins = Insider(e, "collusion_ring", subtle_flags[j] if j < len(subtle_flags) else True)
            e.ins = ins
            ins.ring, ins.ring_role = "ring-1", part
            ins.start_day = min(self.D - 2, max(sd + ri.randint(0, 1), min(self.D // 3, 8) if part == "reviews" else 0))
            ins.end_day = max(ins.start_day + 2, ed)
            ins.byod = "BYOD-%04X" % ri.randrange(65536)
            members.append(ins)
        parts = {m.ring_role: m for m in members}
        ben = [R] + ([R2] if "reinstate" in parts else [])
        for m in members:
            m.sellers = list(ben)
            if m.ring_role == "data":
                cat = self.sel_cat[R]
                comps = [s for s in sorted(self.cat_sel[cat], key=lambda s: self.sel_rank[s]) if s not in ben][:2]
                m.tsel = [R] + comps
                self.bursts(m, sround(ri, 2 * self.intensity))
            elif m.ring_role == "reviews":
                self.sel_rd_owner[R] = m
                m.tsel = [R]
                self.bursts(m, sround(ri, 2 * self.intensity))
            elif m.ring_role == "reinstate":
                m.flavour = "ring: reactivates the broker's banned second shop"
                self.setup_seller_reinstatement(m, [R2])
                m.sellers = list(ben)
                if "approver" in parts:
                    m.approver = parts["approver"]
            m.flavour = m.flavour or "ring working for one broker-seller (%s)" % m.ring_role
            self.insiders.append(m)

    # ----------------------------------------------------------------- execution helpers
    def mark(self, ins, t, action, disclosed=()):
        ins.n += 1
        ins.acts[action] = ins.acts.get(action, 0) + 1
        self.n_mal += 1
        if ins.first is None or t < ins.first:
            ins.first = t
        if ins.last is None or t > ins.last:
            ins.last = t
        ins.customers.update(disclosed)
        ins.days.add(self.d_now)

    def mal(self, ins, t, action, disclosed=(), **kw):
        if not self.out.ev(t, ins.emp.actor, action, **kw):
            return False
        self.mark(ins, t, action, disclosed)
        return True

    def ins_times(self, s, k, lo=20 * MIN, hi=10 * MIN):
        a, b = s.start + lo, s.end - hi
        if b <= a or k <= 0:
            return []
        return sorted(self.ri.randrange(a, b) for _ in range(k))

    def cur_ticket(self, s, t):
        best = -1
        for ts, k in s.log:
            if ts <= t:
                best = k
            else:
                break
        if best >= 0 and self.tk[best][T_OPEN] < t:
            return best
        return -1

    def off_session(self, ins, d):
        ri, e = self.ri, ins.emp
        h = ri.choice([21.5, 22.25, 23.0, 5.25, 6.0])
        st = self.local(e, d, h) + ri.randrange(40 * MIN)
        if st <= self.out.floor + 10 * MIN:
            st = self.out.floor + 10 * MIN + ri.randrange(HOUR)
        s = self.new_session(e, st, st + ri.randint(50, 110) * MIN, "story")
        if s is None:
            return None
        s.ip = "100.72.%d.%d" % (ri.randint(0, 255), ri.randint(2, 254))
        extra = {"device": ins.byod} if ri.random() < 0.6 else None
        self.login(s, s.start, extra)
        return s

    def cover_purpose(self, ins, s, t, c, code="customer_request"):
        """A plausible-looking purpose for an illegitimate act, or None."""
        ri = self.ri
        if ri.random() >= self.p_purpose(ins):
            return None
        u = ri.random()
        if u < 0.55 and s is not None:
            k = self.cur_ticket(s, t)
            if k >= 0:
                return {"ticket": self.tid(k), "code": code}
        if c is not None and c >= 0:
            k = self.cust_ticket[c]
            if k >= 0 and self.tk[k][T_OPEN] < t:
                return {"ticket": self.tid(k), "code": code}
        return {"code": code, "reason": ri.choice(["inbound call", "follow-up", "callback requested"])}

    def reviewers(self, sels, t, exclude):
        out = []
        for s in sels:
            for r in self.sel_reviews[s]:
                if self.r_time[r] < t:
                    c = self.r_cust[r]
                    if c not in exclude:
                        out.append((self.r_rating[r], c))
        return out

    def pick_reviewer(self, ins, t):
        ri = self.ri
        sels = list(ins.tsel)
        ri.shuffle(sels)
        for s in sels:
            cand = self.reviewers([s], t, ins.seen)
            if cand:
                neg = [c for r, c in cand if r <= 3]
                if neg and ri.random() < 0.6:
                    return neg[ri.randrange(len(neg))]
                return cand[ri.randrange(len(cand))][1]
        for s in sels:       # too early for reviews: buyers instead
            prior = self.orders_before(self.sel_orders[s], t)
            cand = [self.o_cust[o] for o in prior[-200:] if self.o_cust[o] not in ins.seen]
            if cand:
                return cand[ri.randrange(len(cand))]
        return -1

    def active_today(self, ins, d, p):
        """Daily coin flip; an insider that has not acted yet does not let the window lapse."""
        if ins.n == 0 and d >= ins.end_day - 2:
            return True
        return self.ri.random() < p

    def busy(self, d):
        return min(1.8, max(0.6, self.sea[d]))

    def run_insiders(self, d):
        if self.intensity <= 0:
            return                      # --intensity 0: insiders are cast but never act (truth lists none)
        for ins in self.insiders:
            if not (ins.start_day <= d <= ins.end_day):
                continue
            if not ins.emp.employed(self.d0(d) + 12 * HOUR) and not ins.emp.employed(self.d0(d) + HOUR):
                continue
            kind = ins.ring_role if ins.ring else ins.kind
            getattr(self, "do_" + {"data": "data_sale", "reviews": "review_removal", "reinstate": "seller_reinstatement",
                                   "approver": "approver"}.get(kind, kind))(ins, d)

    # ----------------------------------------------------------------- scenario behaviour
    def disclose_one(self, ins, s, t, c, fields, accomplice):
        ri, out, e = self.ri, self.out, ins.emp
        pur, close_k = None, -1
        if accomplice and ins.sellers and ri.random() < self.p_purpose(ins) * 0.45:
            # the buying seller opens a "buyer asked for a callback" case naming this customer
            sel = ins.sellers[ri.randrange(len(ins.sellers))]
            t_open = max(self.out.floor + SEC, t - ri.randint(15, 120) * MIN)
            if t_open < t - 3 * MIN and not self.sel_ban[sel]:
                k = self.open_ticket(t_open, self.sobj[sel], "other", c, sel, None, sub="buyer_callback_request", by="seller")
                out.ev(t - ri.randint(60, 150) * SEC, e.actor, "ticket.assign", target=self.tobj(k),
                       attrs=dict(s.base, assignee=e.id, queue="partner"))
                self.tk[k][T_STATUS] = TAKEN
                pur = {"ticket": self.tid(k), "code": "seller_request"}
                close_k = k
        if pur is None:
            pur = self.cover_purpose(ins, s, t, c)
        self.mal(ins, t, "customer.view", disclosed=[self.cid[c]], target=self.cobj[c], fields=fields,
                 purpose=pur, attrs=s.base)
        ins.seen.add(c)
        if ri.random() < 0.3:
            o = self.last_order_before(c, t)
            if o >= 0:
                self.mal(ins, t + ri.randint(20, 90) * SEC, "order.view", disclosed=[self.cid[c]],
                         target={"type": "order", "id": self.o_id[o]}, purpose=pur,
                         attrs=dict(s.base, customer=self.cid[c], seller=self.sid[self.o_sel[o]]))
        if close_k >= 0:
            out.ev(t + ri.randint(4, 12) * MIN, e.actor, "ticket.close", target=self.tobj(close_k),
                   attrs=dict(s.base, resolution="buyer_contacted"))
            self.tk[close_k][T_STATUS] = CLOSED

    def bulk(self, ins, s, t, ids, query, fmt, fields):
        """Blatant bulk pull: one search, then an export in <=250-record parts."""
        ri = self.ri
        if not ids:
            return t
        self.mal(ins, t, "customer.search", disclosed=ids[:400], targets=ids[:400], attrs=dict(s.base, query=query))
        t += ri.randint(2, 6) * MIN
        batch = "x%s%d" % (s.sid, ri.randrange(1000))
        for j in range(0, len(ids), 250):
            part = ids[j:j + 250]
            self.mal(ins, t, "customer.export", disclosed=part, targets=part, fields=fields,
                     purpose=self.cover_purpose(ins, None, t, None) if ri.random() < 0.3 else None,
                     attrs=dict(s.base, format=fmt, batch=batch, part=j // 250 + 1))
            t += ri.randint(40, 180) * SEC
        return t

    def do_data_sale(self, ins, d):
        ri, e = self.ri, ins.emp
        s = e.sess
        if ins.subtle:
            if s is None or not self.active_today(ins, d, 0.7):
                return
            k = sround(ri, ri.uniform(1.2, 4.0) * self.intensity * self.busy(d))
            for t in self.ins_times(s, k):
                c = self.pick_reviewer(ins, t)
                if c < 0:
                    return
                self.disclose_one(ins, s, t, c, ["name", "email", "phone"], True)
        elif d in ins.burst_days:
            s2 = self.off_session(ins, d)
            if s2 is None:
                return
            t = s2.start + ri.randint(3, 10) * MIN
            ins.pulls = getattr(ins, "pulls", 0) + 1
            order = ins.tsel[::-1]          # competitors' reviewers first, then the clients' own
            sel = order[(ins.pulls - 1) % len(order)]
            cand = self.reviewers([sel], t, ())
            custs = sorted({c for _, c in cand})
            ri.shuffle(custs)
            custs = custs[:max(20, int(300 * self.intensity))]
            if len(custs) < 20:
                custs += [self.o_cust[o] for o in self.orders_before(self.sel_orders[sel], t)[-150:]]
                custs = list(dict.fromkeys(custs))
            ids = [self.cid[c] for c in custs] + self.honey_by_seller.get(sel, [])
            ins.seen.update(custs)
            self.bulk(ins, s2, t, ids, "seller:%s reviews:any rating<=5" % self.sid[sel], "csv",
                      ["name", "email", "phone", "address"])
        elif s is not None and ri.random() < 0.4:
            for t in self.ins_times(s, sround(ri, 3 * self.intensity)):
                c = self.pick_reviewer(ins, t)
                if c < 0:
                    return
                self.disclose_one(ins, s, t, c, ["name", "email", "phone", "address"], False)

    def neg_reviews(self, B, t, ins):
        return [r for r in self.sel_reviews[B] if self.r_rating[r] <= 3 and not self.r_del[r]
                and self.r_time[r] < t - 2 * HOUR and r not in ins.touched]

    def do_review_removal(self, ins, d):
        ri, e, out = self.ri, ins.emp, self.out
        B = ins.tsel[0]
        s = e.sess
        if ins.subtle:
            if s is None or not self.active_today(ins, d, 0.75):
                return
            k = sround(ri, ri.uniform(0.8, 2.5) * self.intensity * self.busy(d))
            for t in self.ins_times(s, k):
                cand = self.neg_reviews(B, t, ins)
                if not cand:
                    return
                r = cand[ri.randrange(len(cand))]
                t_open = max(self.out.floor + SEC, t - ri.randint(10, 150) * MIN, self.r_time[r] + 30 * MIN)
                if t_open >= t - 3 * MIN:
                    continue
                ins.touched.add(r)
                c = self.r_cust[r]
                k = self.open_ticket(t_open, self.sobj[B], "review_dispute", c, B, None, ref=r,
                                     sub="seller_contests_review", extra={"review": self.rid(r)}, by="seller")
                out.ev(t - ri.randint(60, 170) * SEC, e.actor, "ticket.assign", target=self.tobj(k),
                       attrs=dict(s.base, assignee=e.id, queue="review"))
                self.tk[k][T_STATUS] = TAKEN
                if ri.random() < self.p_purpose(ins):
                    pur = {"ticket": self.tid(k), "code": "seller_request"}
                    reason = ri.choice(["abuse", "off_topic", "off_topic"])
                else:
                    pur, reason = None, ri.choice(["spam", "other"])
                if ri.random() < 0.15:
                    self.mal(ins, t - 40 * SEC, "customer.view", disclosed=[self.cid[c]], target=self.cobj[c],
                             fields=["name", "email"], purpose=pur, attrs=s.base)
                self.mal(ins, t, "review.delete", target={"type": "review", "id": self.rid(r)}, purpose=pur,
                         attrs=dict(s.base, reason=reason))
                self.r_del[r] = t
                self.maybe_restore_request(r, t, 0.25)
                out.ev(t + ri.randint(1, 4) * MIN, e.actor, "ticket.close", target=self.tobj(k),
                       attrs=dict(s.base, resolution="review_removed"))
                self.tk[k][T_STATUS] = CLOSED
        elif d in ins.burst_days:
            if len(self.neg_reviews(B, self.d0(d), ins)) < 3 and d < ins.end_day:
                ins.burst_days.add(d + 1)          # nothing worth deleting yet: come back tomorrow
                return
            s2 = self.off_session(ins, d)
            if s2 is None:
                return
            t = s2.start + ri.randint(3, 8) * MIN
            cand = self.neg_reviews(B, t, ins)
            ri.shuffle(cand)
            view = ri.random() < 0.35
            for r in cand[:max(3, sround(ri, ri.randint(8, 25) * self.intensity))]:
                ins.touched.add(r)
                if view:
                    c = self.r_cust[r]
                    self.mal(ins, t, "customer.view", disclosed=[self.cid[c]], target=self.cobj[c],
                             fields=["name", "email", "phone"], attrs=s2.base)
                    t += ri.randint(20, 60) * SEC
                self.mal(ins, t, "review.delete", target={"type": "review", "id": self.rid(r)},
                         attrs=dict(s2.base, reason="spam"))
                self.r_del[r] = t
                self.maybe_restore_request(r, t, 0.3)
                t += ri.randint(30, 140) * SEC
        elif s is not None and ri.random() < 0.4:
            for t in self.ins_times(s, ri.randint(1, 3)):
                cand = self.neg_reviews(B, t, ins)
                if not cand:
                    return
                r = cand[ri.randrange(len(cand))]
                ins.touched.add(r)
                self.mal(ins, t, "review.delete", target={"type": "review", "id": self.rid(r)},
                         purpose=self.cover_purpose(ins, s, t, None, "quality_review"),
                         attrs=dict(s.base, reason=ri.choice(["spam", "other", "off_topic"])))
                self.r_del[r] = t
                self.maybe_restore_request(r, t, 0.25)

    def colleague_approval(self, e, t, scope="account.reactivate"):
        for aid, ap, req, sc, ta in reversed(self.approvals):
            if req != e.i and ta < t and sc.startswith(scope):
                return aid
        return None

    def do_seller_reinstatement(self, ins, d):
        ri, e, out = self.ri, ins.emp, self.out
        for sel, st in ins.react.items():
            tb = self.sel_ban[sel]
            if not tb or st["done"] >= 2 or tb >= self.d0(d) + 20 * HOUR:
                continue
            if (self.d0(d) - tb) // DAY < st["wait"]:
                continue
            if ins.subtle:
                s = e.sess
                if s is None:
                    continue
                ts = [t for t in self.ins_times(s, 3) if t > tb + 3 * HOUR]
                if not ts:
                    continue
                t = ts[0]
                t_open = max(self.out.floor + SEC, tb + HOUR, t - ri.randint(40, 200) * MIN)
                if t_open >= t - 8 * MIN:
                    continue
                k = self.open_ticket(t_open, self.sobj[sel], "appeal", -1, sel, None, sub=self.sel_ban_reason[sel],
                                     by="seller")
                ta = t_open + (t - t_open) // 3
                out.ev(ta, e.actor, "ticket.assign", target=self.tobj(k), attrs=dict(s.base, assignee=e.id, queue="appeal"))
                self.note(s, ta + MIN, k)
                pur = {"ticket": self.tid(k), "code": "seller_request"}
                prior = self.orders_before(self.sel_orders[sel], ta)
                if prior:
                    self.order_view(s, ta + 3 * MIN, prior[-1], pur)
                pur = dict(pur)
                if ins.approver is not None and ins.approver.emp.employed(t):
                    aid = self.grant(t, e, "account.reactivate", k, approver=ins.approver.emp)
                    if aid:
                        self.mark(ins.approver, self.last_grant_t, "x.approval.grant")
                        pur["approval"] = aid
                elif ri.random() < self.p_purpose(ins):
                    aid = self.colleague_approval(e, t)
                    if aid:
                        pur["approval"] = aid
                self.mal(ins, t, "account.reactivate", target=self.sobj[sel], purpose=pur,
                         attrs=dict(s.base, appeal=self.tid(k)))
                out.ev(t + ri.randint(2, 9) * MIN, e.actor, "ticket.close", target=self.tobj(k),
                       attrs=dict(s.base, resolution="appeal_upheld"))
                self.tk[k][T_STATUS] = CLOSED
            else:
                s = self.off_session(ins, d)
                if s is None:
                    continue
                t = s.start + ri.randint(2, 9) * MIN
                if t <= tb:
                    continue
                pur = None
                if ins.approver is not None and ins.approver.emp.employed(t):
                    aid = self.grant(t, e, "account.reactivate", -1, approver=ins.approver.emp)
                    if aid:
                        self.mark(ins.approver, self.last_grant_t, "x.approval.grant")
                        pur = {"code": "seller_request", "approval": aid}
                elif ri.random() < self.p_purpose(ins):
                    pur = {"code": "seller_request", "reason": "goodwill reinstatement"}
                self.mal(ins, t, "account.reactivate", target=self.sobj[sel], purpose=pur, attrs=s.base)
            self.sel_ban[sel] = 0
            st["done"] += 1
            st["wait"] = ri.randint(0, 2)
            if ri.random() < 0.5:
                rb = d + ri.randint(5, 12)
                if rb < self.D:
                    self.sched_bans.setdefault(rb, []).append((sel, st["reason"], ri.uniform(1, 20), "repeat-offender"))

    def do_approver(self, ins, d):
        return          # acts only when the ring's reinstater asks (see do_seller_reinstatement)

    def do_snooping(self, ins, d):
        ri, e = self.ri, ins.emp
        s = e.sess
        if ins.subtle:
            if s is None or not self.active_today(ins, d, 0.35):
                return
            times = self.ins_times(s, max(1, sround(ri, ri.uniform(1, 2) * self.intensity)))
            fields = ["name", "address", "phone"]
        else:
            if not self.active_today(ins, d, 0.7):
                return
            if s is None or ri.random() < 0.5:
                s = self.off_session(ins, d)
                if s is None:
                    return
            times = self.ins_times(s, max(1, sround(ri, ri.uniform(2, 5) * self.intensity)), lo=3 * MIN, hi=3 * MIN)
            fields = ["name", "address", "phone", "orders", "payment"]
        for t in times:
            c = ins.targets[ri.randrange(len(ins.targets))]
            pur = self.cover_purpose(ins, s, t, None)
            if ri.random() < (0.12 if ins.subtle else 0.3):
                tg = [c] + [ri.randrange(self.C) for _ in range(ri.randint(2, 4))]
                ids = [self.cid[x] for x in tg]
                self.mal(ins, t - 50 * SEC, "customer.search", disclosed=ids, targets=ids, purpose=pur,
                         attrs=dict(s.base, query=self.q_for(c, "name")))
            self.mal(ins, t, "customer.view", disclosed=[self.cid[c]], target=self.cobj[c], fields=fields,
                     purpose=pur, attrs=s.base)
            if ri.random() < 0.5:
                o = self.last_order_before(c, t)
                if o >= 0:
                    self.mal(ins, t + ri.randint(20, 80) * SEC, "order.view", disclosed=[self.cid[c]],
                             target={"type": "order", "id": self.o_id[o]}, purpose=pur,
                             attrs=dict(s.base, customer=self.cid[c], seller=self.sid[self.o_sel[o]]))

    def exfil_pool(self, ins, t):
        if ins.tsel:
            pool = []
            for sel in ins.tsel:
                pool += [self.o_cust[o] for o in self.orders_before(self.sel_orders[sel], t)[-400:]]
            return list(dict.fromkeys(pool))
        return self.top_customers

    def do_departing_exfil(self, ins, d):
        ri, e = self.ri, ins.emp
        s = e.sess
        if ins.subtle:
            if s is None:
                return
            k = sround(ri, ri.uniform(6, 16) * self.intensity)
            for t in self.ins_times(s, k):
                pool = [c for c in self.exfil_pool(ins, t) if c not in ins.seen]
                if not pool:
                    return
                c = pool[ri.randrange(min(len(pool), 300))]
                ins.seen.add(c)
                pur = self.cover_purpose(ins, s, t, c)
                self.mal(ins, t, "customer.view", disclosed=[self.cid[c]], target=self.cobj[c],
                         fields=["name", "email", "phone"], purpose=pur, attrs=s.base)
        elif d in ins.burst_days:
            s2 = self.off_session(ins, d)
            if s2 is None:
                return
            t = s2.start + ri.randint(3, 10) * MIN
            pool = [c for c in self.exfil_pool(ins, t) if c not in ins.seen]
            n = max(30, int(ri.randint(150, 350) * self.intensity))
            custs = pool[:n]
            ins.seen.update(custs)
            ids = [self.cid[c] for c in custs]
            if not ins.tsel:
                ids += self.honey_vip
                q = "segment:top_spenders_12m"
            else:
                for sel in ins.tsel:
                    ids += self.honey_by_seller.get(sel, [])
                q = "category:%s buyers:90d top_sellers" % CATEGORIES[self.sel_cat[ins.tsel[0]]]
            self.bulk(ins, s2, t, ids, q, "xlsx", ["name", "email", "phone", "address", "orders"])

    def do_competitor_intel(self, ins, d):
        ri, e, out = self.ri, ins.emp, self.out
        X = ins.tsel[0]
        s = e.sess
        if ins.subtle or d not in ins.burst_days:
            if s is None or not self.active_today(ins, d, 0.6 if ins.subtle else 0.35):
                return
            k = sround(ri, ri.uniform(2, 6) * self.intensity * self.busy(d))
            for t in self.ins_times(s, k):
                prior = self.orders_before(self.sel_orders[X], t)[-300:]
                if not prior:
                    return
                o = prior[ri.randrange(len(prior))]
                c = self.o_cust[o]
                pur = None
                if ri.random() < self.p_purpose(ins):
                    xt = [kk for kk in self.sel_tickets[X] if self.tk[kk][T_OPEN] < t]
                    if xt and ri.random() < 0.6:
                        pur = {"ticket": self.tid(xt[-1 - ri.randrange(min(5, len(xt)))]), "code": "seller_request"}
                    else:
                        pur = self.cover_purpose(ins, s, t, None, "seller_request") or \
                            {"code": "seller_request", "reason": "seller escalation"}
                self.mal(ins, t, "order.view", disclosed=[self.cid[c]], target={"type": "order", "id": self.o_id[o]},
                         purpose=pur, attrs=dict(s.base, customer=self.cid[c], seller=self.sid[X]))
                if ri.random() < 0.25:
                    self.mal(ins, t + ri.randint(30, 90) * SEC, "customer.view", disclosed=[self.cid[c]],
                             target=self.cobj[c], fields=["name", "email"], purpose=pur, attrs=s.base)
        else:
            s2 = self.off_session(ins, d)
            if s2 is None:
                return
            t = s2.start + ri.randint(3, 10) * MIN
            prior = self.orders_before(self.sel_orders[X], t)
            custs = list(dict.fromkeys(self.o_cust[o] for o in reversed(prior)))[:max(30, int(300 * self.intensity))]
            ids = [self.cid[c] for c in custs] + self.honey_by_seller.get(X, [])
            self.bulk(ins, s2, t, ids, "seller:%s buyers:90d" % self.sid[X], "csv", ["name", "email", "address"])

    # ----------------------------------------------------------------- outputs
    def write_truth(self, outdir):
        ts = self.out.ts
        ins_out, ins_stats = [], []
        for ins in self.insiders:
            e = ins.emp
            rec = {"employee": e.id, "scenario": ins.kind,
                   "start": ts(ins.first) if ins.first is not None else None,
                   "end": ts(ins.last) if ins.last is not None else None,
                   "sellers": [self.sid[s] for s in ins.sellers],
                   "customers": sorted(ins.customers)}
            st = {"employee": e.id, "scenario": ins.kind, "subtle": ins.subtle, "ring": ins.ring,
                  "ring_part": ins.ring_role, "role": e.role, "team": e.team, "site": e.site,
                  "story": ins.flavour,
                  "window": [self.dates[ins.start_day].isoformat(), self.dates[min(ins.end_day, self.D - 1)].isoformat()],
                  "beneficiary_sellers": rec["sellers"], "target_sellers": [self.sid[s] for s in ins.tsel],
                  "malicious_events": ins.n, "by_action": ins.acts, "customers_disclosed": len(ins.customers),
                  "honeytokens_touched": sorted(set(self.honey) & ins.customers),
                  "active_days": len(ins.days), "burst_days": len(ins.burst_days) if not ins.subtle else 0,
                  "leaves_on": self.dates[e.leave_day].isoformat() if e.leave_day is not None else None,
                  "start": rec["start"], "end": rec["end"]}
            if ins.kind == "snooping":
                st["snooped"] = [self.cid[c] for c in ins.targets]
            ins_stats.append(st)
            if ins.n > 0:
                ins_out.append(rec)
        truth = {"seed": self.seed, "start": ts(START), "end": ts(self.wend - 1), "employees": len(self.emps),
                 "insiders": ins_out, "honeytokens": sorted(self.honey)}
        with open(os.path.join(outdir, "truth.json"), "w") as f:
            json.dump(truth, f, indent=1)
            f.write("\n")
        auto = [
            ("new_hire_training", "first week of new hires and peak temps: HQ-hours training from every site, "
             "shadow views of closed cases, sandbox searches, some denied views and a denied export",
             [e for e in self.temps + self.new_hires], sorted({d for v in self.training_log.values() for d in v})),
            ("leaver_handover", "legitimate leavers hand their open cases to team-mates on their last two days",
             self.leavers, sorted({e.leave_day for e in self.leavers if e.leave_day is not None})),
            ("peak_overtime", "care agents work extra hours and rest days on peak and backlog days",
             [e for e in self.emps if any(e.id in v for v in self.overtime_days.values())], sorted(self.overtime_days)),
            ("qa_test_buyers", "QA engineers open the same few internal test buyers' records after every release",
             [e for e in self.emps if e.role == "qa-engineer"], list(range(self.D))),
            ("team_moves", "internal moves (care to moderation, care to team lead, partner to key accounts) change "
             "access patterns mid-window", [c[0] for c in self.changed], [c[2] for c in self.changed]),
        ]
        for kind, story, emps, days in auto:
            rec = self.lookalike(kind, story, emps, days, [])
            if kind == "qa_test_buyers":
                rec["customers"] = [self.cid[c] for c in self.qa_accts]
            if kind == "peak_overtime":
                rec["sessions"] = self.story_events.get("peak_overtime_sessions", 0)
                rec["employees_count"] = len(rec["employees"])
                rec["employees"] = rec["employees"][:40]
            if kind == "new_hire_training":
                rec["employees_count"] = len(rec["employees"])
        for rec in self.stats_lookalikes:
            rec["events"] = self.story_events.get(rec["kind"], 0)
        roles = {}
        for e in self.emps:
            roles[e.role] = roles.get(e.role, 0) + 1
        stats = {
            "generator": "market5", "world": "Brightcart marketplace (fictional)",
            "args": {"employees": self.E, "customers": self.C, "sellers": self.S, "days": self.D, "seed": self.seed,
                     "intensity": self.intensity, "cover": self.cover},
            "window": {"start": ts(START), "end": ts(self.wend - 1)},
            "events": self.out.count, "events_dropped_after_window": self.out.dropped,
            "by_action": dict(sorted(self.out.actions.items(), key=lambda x: -x[1])),
            "world_size": {"employees_total": len(self.emps), "employees_by_role": roles,
                           "customers": self.C, "sellers": self.S, "orders": len(self.o_time),
                           "reviews": len(self.r_time), "tickets": len(self.tk), "approvals": len(self.approvals)},
            "hr": {"leavers": len(self.leavers) + sum(1 for i in self.insiders if i.kind == "departing_exfil"),
                   "temps_hired": len(self.temps), "new_hires": len(self.new_hires), "moves": len(self.changed)},
            "insiders_planted": len(ins_out), "insiders_inactive": len(self.insiders) - len(ins_out),
            "malicious_events": self.n_mal,
            "malicious_share": round(self.n_mal / max(1, self.out.count), 6),
            "subtle_insiders": sum(1 for i in self.insiders if i.subtle and i.n),
            "insiders": ins_stats,
            "lookalikes": self.stats_lookalikes,
            "honeytokens": {"count": len(self.honey),
                            "seeded_on_sellers": {self.sid[s]: v for s, v in self.honey_by_seller.items()},
                            "high_value_decoys": self.honey_vip},
        }
        with open(os.path.join(outdir, "stats.json"), "w") as f:
            json.dump(stats, f, indent=1)
            f.write("\n")


def main(argv=None):
    ap = argparse.ArgumentParser(description="market5: synthetic Brightcart world for Custos")
    ap.add_argument("--employees", type=int, default=1000)
    ap.add_argument("--customers", type=int, default=60000)
    ap.add_argument("--sellers", type=int, default=1500)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--intensity", type=float, default=1.0)
    ap.add_argument("--cover", type=float, default=0.5)
    ap.add_argument("--out", required=True)
    a = ap.parse_args(argv)
    g = Market5(a)
    g.run(a.out)
    print("market5: %d events, %d insiders, %.1fs -> %s" % (g.out.count, len(g.insiders), g.wall, a.out),
          file=sys.stderr)


if __name__ == "__main__":
    main()
