#!/usr/bin/env python3
"""market6 -- independent test-data generator for Custos.

World: "Kestrel", a mid-size online marketplace whose support organisation is
spread over three in-house hubs (Dublin, Austin, Singapore), a Trust & Safety
hub in Krakow and two outsourced BPO vendors (Halcyon in Manila, Velora in
Bogota).  Every access an employee makes to customer, order, review or seller
data is written as a Custos event (contract: shared/contract/EVENTS.md).

Python 3.11, standard library only.  Deterministic for identical arguments.
See README.md for the stories.
"""

import argparse
import bisect
import json
import math
import os
import random
import sys
import time as _time
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta, timezone

MS_S = 1000
MS_M = 60 * MS_S
MS_H = 60 * MS_M
MS_D = 24 * MS_H


def rng_for(seed, name):
    # string seeds are hashed with SHA-512 by random.Random: stable across runs
    return random.Random(f"market6/{seed}/{name}")


def poisson(r, lam):
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, int(r.gauss(lam, math.sqrt(lam)) + 0.5))
    L = math.exp(-lam)
    k, p = 0, 1.0
    while True:
        p *= r.random()
        if p <= L:
            return k
        k += 1


def lognorm_ms(r, median_min, sigma=0.9):
    return int(median_min * MS_M * math.exp(sigma * r.gauss(0, 1)))


# --------------------------------------------------------------------------
# calendar helpers
# --------------------------------------------------------------------------

def nth_weekday(y, m, wd, n):
    d = date(y, m, 1)
    while d.weekday() != wd:
        d += timedelta(days=1)
    return d + timedelta(days=7 * (n - 1))


def last_weekday(y, m, wd):
    d = date(y + (m == 12), (m % 12) + 1, 1) - timedelta(days=1)
    while d.weekday() != wd:
        d -= timedelta(days=1)
    return d


SITES = {
    # std UTC offset, DST rule, network octet, in-house?, vendor
    "DUB": dict(std=0, dst="eu", net=21, inhouse=True, vendor=None, isp="86.44"),
    "KRK": dict(std=1, dst="eu", net=34, inhouse=True, vendor=None, isp="83.24"),
    "AUS": dict(std=-6, dst="us", net=47, inhouse=True, vendor=None, isp="72.182"),
    "SIN": dict(std=8, dst=None, net=58, inhouse=True, vendor=None, isp="116.87"),
    "MNL": dict(std=8, dst=None, net=88, inhouse=False, vendor="hal", isp="49.145"),
    "BOG": dict(std=-5, dst=None, net=91, inhouse=False, vendor="vel", isp="181.49"),
}
VENDOR_NAME = {"hal": "halcyon", "vel": "velora"}


def utc_offset(site, d):
    s = SITES[site]
    off = s["std"]
    y = d.year
    if s["dst"] == "eu":
        if last_weekday(y, 3, 6) <= d < last_weekday(y, 10, 6):
            off += 1
    elif s["dst"] == "us":
        if nth_weekday(y, 3, 6, 2) <= d < nth_weekday(y, 11, 6, 1):
            off += 1
    return off


def is_holiday(site, d):
    md = (d.month, d.day)
    if md in ((12, 25), (1, 1)):
        return True
    if site == "DUB":
        return md in ((12, 26), (3, 17)) or d == last_weekday(d.year, 10, 0)
    if site == "KRK":
        return md in ((11, 1), (11, 11), (12, 24), (12, 26), (1, 6))
    if site == "AUS":
        tg = nth_weekday(d.year, 11, 3, 4)
        return d in (tg, tg + timedelta(days=1)) or md == (12, 24)
    if site == "SIN":
        return md == (10, 20)
    return False


def season_factor(d):
    y = d.year if d.month >= 6 else d.year - 1
    tg = nth_weekday(y, 11, 3, 4)
    bf = tg + timedelta(days=1)
    cm = tg + timedelta(days=4)
    if d == bf:
        return 2.6
    if d == cm:
        return 2.2
    if tg - timedelta(days=3) <= d <= cm + timedelta(days=2):
        return 1.8
    if date(y, 12, 3) <= d <= date(y, 12, 20):
        return 1.45
    if date(y, 12, 21) <= d <= date(y, 12, 24):
        return 1.15
    if d == date(y, 12, 25):
        return 0.55
    if date(y, 12, 26) <= d <= date(y + 1, 1, 6):
        return 1.25
    return 1.0


ORDER_DOW = [0.97, 0.95, 0.95, 0.98, 1.02, 1.08, 1.05]
TICKET_DOW = [1.15, 1.05, 1.0, 1.0, 0.97, 0.9, 0.93]
HOURLY = [0.6, 0.35, 0.2, 0.15, 0.15, 0.25, 0.5, 1.0, 1.4, 1.6, 1.7, 1.8, 1.9,
          1.8, 1.7, 1.7, 1.8, 1.9, 2.1, 2.4, 2.5, 2.2, 1.6, 1.0]
HOURLY_CUM = []
_acc = 0.0
for _w in HOURLY:
    _acc += _w
    HOURLY_CUM.append(_acc)
REGIONS = [("EU", 1, 0.40), ("NA", -5, 0.38), ("APAC", 8, 0.22)]
CATEGORIES = ["electronics", "phone-accessories", "fashion", "shoes", "beauty",
              "home-kitchen", "toys", "sports", "auto-parts", "books",
              "pet-supplies", "health"]
SURNAMES = ["Garcia", "Santos", "Reyes", "Murphy", "Kelly", "Nowak", "Kowalski",
            "Smith", "Johnson", "Tan", "Lim", "Wong", "Silva", "Rodriguez",
            "Lopez", "Martin", "Byrne", "Walsh", "Nguyen", "Cruz", "Bautista",
            "Mendoza", "Schmidt", "Muller", "Rossi", "Ferrari", "Brown", "Lee"]
MAILDOMS = ["gmail.com", "outlook.com", "yahoo.com", "icloud.com", "proton.me",
            "hotmail.co.uk", "wp.pl", "gmx.de"]

# --------------------------------------------------------------------------
# organisation
# --------------------------------------------------------------------------

DEPTS = {
    # share of headcount, minimum, site mix, team size
    "bc": dict(share=0.51, min=6, sites=[("MNL", 0.50), ("BOG", 0.33), ("DUB", 0.17)], team=13),
    "sc": dict(share=0.13, min=4, sites=[("DUB", 0.35), ("BOG", 0.30), ("SIN", 0.20), ("AUS", 0.15)], team=11),
    "mod": dict(share=0.08, min=4, sites=[("MNL", 0.55), ("KRK", 0.35), ("SIN", 0.10)], team=12),
    "risk": dict(share=0.06, min=3, sites=[("DUB", 0.5), ("AUS", 0.3), ("SIN", 0.2)], team=9),
    "int": dict(share=0.04, min=3, sites=[("DUB", 0.6), ("AUS", 0.4)], team=8),
    "priv": dict(share=0.025, min=2, sites=[("DUB", 1.0)], team=10),
    "qa": dict(share=0.03, min=1, sites=[("MNL", 0.6), ("DUB", 0.4)], team=12),
    "eng": dict(share=0.075, min=2, sites=[("DUB", 0.5), ("AUS", 0.5)], team=10),
}
POOL = {"bc-agent": "bc1", "bc-senior": "bc2", "bc-lead": "bclead",
        "sc-agent": "sc", "sc-kam": "kam", "sc-lead": "sclead",
        "moderator": "mod", "mod-lead": "modlead",
        "risk-investigator": "risk", "risk-lead": "risklead",
        "integrity-analyst": "int", "integrity-manager": "intmgr",
        "privacy-analyst": "priv", "counsel": "counsel",
        "qa-analyst": "qa", "engineer": "eng", "sre": "eng"}
FALLBACK = {"bc2": "bc1", "kam": "sc", "modlead": "mod", "risklead": "risk",
            "intmgr": "int", "counsel": "priv", "priv": "counsel",
            "bclead": "bc2", "sclead": "sc", "bc1": "bc2", "sc": "kam",
            "mod": "modlead", "risk": "risklead", "int": "intmgr"}
TOOL = {"bc": "helm", "sc": "helm-seller", "mod": "modq", "risk": "sherlock",
        "int": "gavel", "priv": "vault", "qa": "qa-lens", "eng": "prod-console"}
LEAD_ROLE = {"bc": "bc-lead", "sc": "sc-lead", "mod": "mod-lead", "risk": "risk-lead",
             "int": "integrity-manager", "priv": "counsel"}


class Emp:
    __slots__ = ("idx", "id", "inhouse", "vendor", "site", "dept", "periods",
                 "hire_t", "hire_day", "leave_t", "leave_day", "leave_reason",
                 "leave_detail", "shifts", "sh_starts", "desk_ip", "device",
                 "handled", "pref", "template", "rotates", "off0", "vac",
                 "kam_sellers", "temp", "tenure_days", "changes", "insider",
                 "num", "speed")

    def __init__(self):
        self.periods = []
        self.hire_t = None
        self.hire_day = None
        self.leave_t = None
        self.leave_day = None
        self.leave_reason = None
        self.leave_detail = None
        self.shifts = []
        self.sh_starts = []
        self.handled = []
        self.vac = set()
        self.kam_sellers = []
        self.temp = False
        self.changes = []
        self.insider = None
        self.rotates = False

    def period_at(self, t):
        p = self.periods
        if len(p) == 1 or t < p[1][0]:
            return p[0]
        for q in reversed(p):
            if q[0] <= t:
                return q
        return p[0]

    def actor_at(self, t):
        return self.period_at(t)[4]

    def role_at(self, t):
        return self.period_at(t)[1]

    def pool_at(self, t):
        return self.period_at(t)[3]

    def dept_at(self, t):
        return self.period_at(t)[5]


def mk_actor(e, role, team):
    return {"type": "employee", "id": e.id, "role": role, "team": team, "site": e.site}


# --------------------------------------------------------------------------
# output
# --------------------------------------------------------------------------

class Out:
    def __init__(self, start_ms, ndays, seed):
        self.start = start_ms
        self.end = start_ms + ndays * MS_D
        self.buckets = [[] for _ in range(ndays)]
        self.seq = 0
        self.count = Counter()
        self.emps_seen = set()
        self.prefix = []
        for d in range(ndays):
            dt = datetime.fromtimestamp((start_ms + d * MS_D) / 1000, timezone.utc)
            self.prefix.append(dt.strftime("%Y-%m-%dT"))
        self.dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
        r = random.Random(f"market6/{seed}/ids")
        self.id_base = defaultdict(lambda: 0)
        for src in ("aud", "mkt", "helm", "hr", "sys"):
            self.id_base[src] = r.randint(10 ** 7, 9 * 10 ** 7)

    def ts(self, t):
        d, rem = divmod(t - self.start, MS_D)
        h, rem = divmod(rem, MS_H)
        m, rem = divmod(rem, MS_M)
        s, ms = divmod(rem, 1000)
        return f"{self.prefix[d]}{h:02d}:{m:02d}:{s:02d}.{ms:03d}Z"

    def emit(self, t, actor, action, target=None, targets=None, fields=None,
             purpose=None, outcome=None, attrs=None, src="aud"):
        t = int(t)
        self.seq += 1
        if t % 1000 == 0:
            t += (self.seq * 2654435761 >> 9) % 1000
        if t < self.start or t >= self.end:
            return None
        self.last_t = t
        # provisional id; the final id is assigned in time order when the file is written,
        # so that ids carry no trace of the order in which the generator produced events
        eid = self.seq
        ev = {"id": "", "time": self.ts(t), "actor": actor, "action": action}
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
        if attrs is not None:
            ev["attrs"] = attrs
        self.buckets[(t - self.start) // MS_D].append((t, self.seq, src, self.dumps(ev)))
        self.count[action] += 1
        if actor["type"] == "employee":
            self.emps_seen.add(actor["id"])
        elif target is not None and target["type"] == "employee":
            self.emps_seen.add(target["id"])
        return eid

    def write(self, path, want=()):
        """write events in time order; returns (count, {provisional id: final id} for `want`)."""
        n = 0
        want = set(want)
        final = {}
        ctr = Counter()
        with open(path, "w", encoding="utf-8") as f:
            for b in self.buckets:
                b.sort()
                lines = []
                for t, seq, src, line in b:
                    ctr[src] += 1
                    fid = f"{src}-{self.id_base[src] + ctr[src] * 3 + (seq & 1):09d}"
                    if seq in want:
                        final[seq] = fid
                    lines.append('{"id":"' + fid + '"' + line[8:])
                if lines:
                    f.write("\n".join(lines))
                    f.write("\n")
                    n += len(lines)
                b.clear()
        return n, final


def tg(typ, i):
    return {"type": typ, "id": i}


class Ticket:
    __slots__ = ("id", "t", "kind", "src", "cust", "seller", "order", "review",
                 "queue", "topic", "plan", "sysid", "channel", "closed_t")

    def __init__(self, t, kind, src, queue, cust=None, seller=None, order=None,
                 review=None, topic=None, plan=None, sysid=None, channel=None):
        self.id = None
        self.t = int(t)
        self.kind = kind
        self.src = src
        self.cust = cust
        self.seller = seller
        self.order = order
        self.review = review
        self.queue = queue
        self.topic = topic
        self.plan = plan
        self.sysid = sysid
        self.channel = channel
        self.closed_t = None


class Insider:
    def __init__(self, emp, scenario, subtle):
        self.emp = emp
        self.scenario = scenario
        self.subtle = subtle
        self.mal = []          # (t, event id)
        self.customers = set()
        self.sellers = []
        self.story = {}
        self.actions = Counter()
        self.honeytokens = []

    out = None   # set by Gen: the time actually written for the last event

    def mark(self, t, eid, action, customers=()):
        if eid is None:
            return
        self.mal.append((self.out.last_t, eid))
        self.actions[action] += 1
        for c in customers:
            self.customers.add(c)


# --------------------------------------------------------------------------
# generator
# --------------------------------------------------------------------------

class Gen:
    def __init__(self, a):
        self.a = a
        self.seed = a.seed
        self.N = a.employees
        self.C = a.customers
        self.S = a.sellers
        self.days = a.days
        self.intensity = max(0.0, a.intensity)
        self.cover = min(1.0, max(0.0, a.cover))
        sd = date.fromisoformat(a.start)
        self.dates = [sd + timedelta(days=i) for i in range(self.days)]
        self.start = int(datetime(sd.year, sd.month, sd.day, tzinfo=timezone.utc).timestamp() * 1000)
        self.end = self.start + self.days * MS_D
        self.out = Out(self.start, self.days, self.seed)
        Insider.out = self.out
        self.season = [season_factor(d) for d in self.dates]
        self.peak = [s >= 1.4 for s in self.season]
        self.offsets = {s: [utc_offset(s, d) for d in self.dates] for s in SITES}
        self.tickets = []
        self.bans = []            # (t, seller_idx, reason, rule, sysid)
        self.ban_iv = defaultdict(list)   # seller -> [(from, to)]
        self.approvals = []       # (t, apv id, seller id, ticket id)
        self.apv_seq = 0
        self.closed = []          # (t, tid, cust, seller, kind)
        self.insiders = []
        self.lookalikes = []
        self.hist = Counter()
        self.cust_del_t = {}      # review idx -> deletion time (legit plan or done)
        self.cust_susp = {}

    # ------------------------------------------------------------ utilities
    def day_of(self, t):
        return (t - self.start) // MS_D

    def local_hour(self, site, t):
        d = min(max(self.day_of(t), 0), self.days - 1)
        return ((t - self.start) % MS_D / MS_H + self.offsets[site][d]) % 24

    def new_apv(self, r):
        self.apv_seq += 1
        return f"apv-{self.apv_base + self.apv_seq * 7 + r.randint(0, 6):06d}"

    # ---------------------------------------------------------------- org
    def build_org(self):
        r = rng_for(self.seed, "org")
        N = self.N
        # in-window hiring is planned first; the initial headcount is N minus hires,
        # so that roughly N employees appear in the data
        self.hire_plan = self.plan_hires_count(r)
        N0 = max(20, N - sum(x[1] for x in self.hire_plan))
        tot = sum(v["share"] for v in DEPTS.values())
        counts = {k: max(v["min"], int(N0 * v["share"] / tot)) for k, v in DEPTS.items()}
        counts["bc"] += N0 - sum(counts.values())
        self.emps = []
        self.teams = defaultdict(list)  # (dept, site) -> [team names]
        self.team_members = defaultdict(list)
        used_nums = set()

        def new_num(lo, hi):
            while True:
                n = r.randint(lo, hi)
                if n not in used_nums:
                    used_nums.add(n)
                    return n
        self._new_num = new_num

        for dept, n in counts.items():
            spec = DEPTS[dept]
            raw = [(s, n * w) for s, w in spec["sites"]]
            alloc = {s: int(x) for s, x in raw}
            rest = n - sum(alloc.values())
            for s, x in sorted(raw, key=lambda z: -(z[1] - int(z[1])))[:rest]:
                alloc[s] += 1
            for site, k in alloc.items():
                if k == 0:
                    continue
                nteams = max(1, round(k / spec["team"]))
                vendor = SITES[site]["vendor"]
                names = []
                for ti in range(nteams):
                    if vendor:
                        names.append(f"{dept}-{site.lower()}-{vendor}-{ti + 1:02d}")
                    else:
                        names.append(f"{dept}-{site.lower()}-{ti + 1:02d}")
                self.teams[(dept, site)] = names
                for j in range(k):
                    team = names[j % nteams]
                    first_of_team = j < nteams
                    e = self.make_emp(r, dept, site, team, first_of_team, j, k)
                    self.emps.append(e)
        # KAM guarantee: at least one sc-kam if in-house seller care exists
        if not any(e.periods[0][1] == "sc-kam" for e in self.emps):
            cands = [e for e in self.emps if e.dept == "sc" and e.inhouse and e.periods[0][1] == "sc-agent"]
            if cands:
                e = cands[0]
                self.set_role0(e, "sc-kam")
        # integrity needs two managers for four-eyes when big enough
        ints = [e for e in self.emps if e.dept == "int"]
        mgrs = [e for e in ints if e.periods[0][1] == "integrity-manager"]
        if len(ints) >= 6 and len(mgrs) < 2:
            for e in ints:
                if e.periods[0][1] != "integrity-manager":
                    self.set_role0(e, "integrity-manager")
                    break
        for i, e in enumerate(self.emps):
            e.idx = i

    def set_role0(self, e, role):
        p = e.periods[0]
        e.periods[0] = (p[0], role, p[2], POOL[role], mk_actor(e, role, p[2]), p[5])

    def make_emp(self, r, dept, site, team, lead, j, k, hire_t=None):
        e = Emp()
        e.site = site
        e.dept = dept
        e.inhouse = SITES[site]["inhouse"]
        e.vendor = SITES[site]["vendor"]
        if e.inhouse:
            e.num = self._new_num(10000, 99999)
            e.id = f"u{e.num}"
        else:
            e.num = self._new_num(100000, 999999)
            e.id = f"{e.vendor}-{e.num}"
        if dept == "bc":
            role = ("bc-lead" if lead else "bc-agent") if not e.inhouse else ("bc-lead" if lead else "bc-senior")
        elif dept == "sc":
            role = "sc-lead" if lead else ("sc-kam" if (e.inhouse and r.random() < 0.15) else "sc-agent")
        elif dept == "mod":
            role = "mod-lead" if lead else "moderator"
        elif dept == "risk":
            role = "risk-lead" if lead else "risk-investigator"
        elif dept == "int":
            role = "integrity-manager" if (lead or (j % 4 == 3)) else "integrity-analyst"
        elif dept == "priv":
            role = "counsel" if (j == 0 or j == 4) else "privacy-analyst"
        elif dept == "qa":
            role = "qa-analyst"
        else:
            role = "sre" if r.random() < 0.3 else "engineer"
        if hire_t is not None and role.endswith("lead"):
            role = {"bc-lead": "bc-agent" if not e.inhouse else "bc-senior", "sc-lead": "sc-agent",
                    "mod-lead": "moderator", "risk-lead": "risk-investigator"}[role]
        e.periods = [(0, role, team, POOL[role], mk_actor(e, role, team), dept)]
        net = SITES[site]["net"]
        e.desk_ip = f"10.{net}.{(e.num // 200) % 250 + 1}.{e.num % 200 + 20}"
        e.device = (f"LT-{site}-{e.num % 100000:05d}" if e.inhouse else f"VDI-{site}-{e.num % 100000:05d}")
        if e.inhouse:
            e.pref = r.choice([7.5, 8.0, 8.0, 8.5, 8.5, 9.0, 9.0, 9.0, 9.5, 10.0])
        else:
            if site == "MNL":
                e.template = r.choices([6, 14, 22], weights=[0.3, 0.3, 0.4])[0] if dept != "qa" else 8
            else:
                e.template = r.choices([7, 15, 23], weights=[0.45, 0.4, 0.15])[0]
            e.rotates = r.random() < 0.25
        e.off0 = r.randint(0, 6)
        e.tenure_days = int(r.expovariate(1 / (900 if e.inhouse else 320))) + 30
        e.speed = min(2.5, max(0.35, r.lognormvariate(0, 0.38)))
        return e

    def plan_hires_count(self, r):
        """[(kind, count, day)] hiring waves; counts only, people made later."""
        days = self.days
        plan = []
        bc_bpo = self.N * 0.47 * 0.83
        # BPO training classes
        if days >= 20:
            for frac in (0.2, 0.6):
                plan.append(("bpo-class", max(2, round(bc_bpo * 0.03)), int(days * frac)))
        else:
            plan.append(("bpo-class", max(1, round(bc_bpo * 0.02)), max(1, days // 4)))
        # seasonal temps before the peak, if the window holds a peak
        peak_days = [i for i, p in enumerate(self.peak) if p]
        if peak_days and peak_days[0] >= 10:
            plan.append(("peak-temps", max(2, round(bc_bpo * 0.06)), peak_days[0] - 9))
        # in-house individual hires
        n_in = max(1, round(self.N * 0.35 * 0.012 * days / 30))
        for _ in range(n_in):
            plan.append(("inhouse", 1, r.randint(1, max(1, days - 3))))
        return plan

    # ------------------------------------------------------------------ HR
    def plan_hr(self):
        r = rng_for(self.seed, "hr")
        days = self.days
        # benign leavers
        for e in list(self.emps):
            p_leave = (0.045 if not e.inhouse else 0.02) * days / 30
            if e.periods[0][1] in ("integrity-manager", "counsel") or r.random() >= p_leave:
                continue
            e.leave_day = r.randint(2, days - 1)
            x = r.random()
            if x < 0.84:
                e.leave_reason = "resigned"
            elif x < 0.93:
                e.leave_reason = "terminated"
                e.leave_detail = "performance"
            else:
                e.leave_reason = "transferred"
        # hires
        sites_bc = [s for s in ("MNL", "BOG") if self.teams.get(("bc", s))]
        for kind, cnt, day in self.hire_plan:
            for _ in range(cnt):
                if kind == "inhouse":
                    dept = r.choices(["sc", "risk", "bc", "mod", "eng", "int"], [3, 2, 2, 2, 2, 1])[0]
                    sites = [s for (dp, s) in self.teams if dp == dept and SITES[s]["inhouse"]]
                    if not sites:
                        continue
                    site = r.choice(sorted(sites))
                else:
                    dept = "bc"
                    if not sites_bc:
                        continue
                    site = r.choice(sites_bc)
                team = r.choice(self.teams[(dept, site)])
                e = self.make_emp(r, dept, site, team, False, 99, 99, hire_t=True)
                e.hire_day = min(day + r.randint(0, 1), days - 1) if kind != "inhouse" else day
                off = self.offsets[site][e.hire_day]
                e.hire_t = self.start + e.hire_day * MS_D + int((8.0 - off) * MS_H) + r.randint(0, 40 * MS_M)
                if e.hire_t < self.start:
                    e.hire_t += MS_D
                    e.hire_day += 1
                if e.hire_day >= days:
                    continue
                e.periods = [(e.hire_t,) + e.periods[0][1:]]
                if kind == "peak-temps":
                    e.temp = True
                    ld = min(days - 1, e.hire_day + 45)
                    if ld < days - 1 or days - 1 - e.hire_day >= 45:
                        e.leave_day = ld
                        e.leave_reason = "terminated"
                        e.leave_detail = "contract_end"
                e.idx = len(self.emps)
                e.tenure_days = 0
                self.emps.append(e)
        # role / team changes
        for e in self.emps:
            if e.leave_day is not None or e.hire_day is not None:
                continue
            if r.random() >= 0.015 * days / 30:
                continue
            day = r.randint(3, max(3, days - 3))
            if day >= days:
                continue
            role0, team0, dept0 = e.periods[0][1], e.periods[0][2], e.periods[0][5]
            x = r.random()
            new = None
            if x < 0.2 and role0 in ("bc-agent", "moderator", "bc-senior"):
                new = ({"bc-agent": "bc-lead", "moderator": "mod-lead", "bc-senior": "bc-lead"}[role0], team0, dept0)
            elif x < 0.35 and role0 == "bc-agent" and self.teams.get(("qa", e.site)):
                new = ("qa-analyst", self.teams[("qa", e.site)][0], "qa")
            elif x < 0.35 and role0 == "sc-agent" and e.inhouse and self.teams.get(("int", e.site)):
                new = ("integrity-analyst", self.teams[("int", e.site)][0], "int")
            else:
                ts = self.teams.get((dept0, e.site), [])
                others = [t for t in ts if t != team0]
                if others:
                    new = (role0, r.choice(others), dept0)
            if new is None:
                continue
            off = self.offsets[e.site][day]
            t = self.start + day * MS_D + int((8.5 - off) * MS_H) + r.randint(0, 30 * MS_M)
            if t < self.start:
                t += MS_D
            role, team, dept = new
            e.periods.append((t, role, team, POOL[role], mk_actor(e, role, team), dept))
            e.changes.append((t, role, team))
        # vacations (in-house)
        for e in self.emps:
            if not e.inhouse:
                continue
            if r.random() < 0.12 * max(1.0, days / 45):
                ln = r.randint(5, 10)
                d0 = r.randint(0, max(0, days - ln))
                e.vac.update(range(d0, d0 + ln + 2))
            for d, dt in enumerate(self.dates):
                if dt.month == 12 and 22 <= dt.day <= 31 and r.random() < 0.35:
                    e.vac.add(d)

    # -------------------------------------------------------------- shifts
    def plan_shifts(self):
        r = rng_for(self.seed, "shifts")
        days = self.days
        for e in self.emps:
            first = e.hire_day if e.hire_day is not None else 0
            last = e.leave_day if e.leave_day is not None else days - 1
            train_left = 5 if e.hire_day is not None else 0
            net = SITES[e.site]["net"]
            for d in range(first, last + 1):
                dt = self.dates[d]
                wd = dt.weekday()
                off = self.offsets[e.site][d]
                if e.inhouse:
                    if wd >= 5 or is_holiday(e.site, dt) or d in e.vac:
                        continue
                    if r.random() < 0.025:
                        continue
                    ls = e.pref + r.choice([-0.25, 0, 0, 0, 0.25, 0.5])
                    ln = r.uniform(8.2, 9.6)
                    wfh = r.random() < (0.35 if wd in (0, 4) else 0.18)
                else:
                    working = ((wd - e.off0) % 7) >= 2
                    if not working and self.peak[d] and r.random() < 0.3:
                        working = True
                    if not working:
                        continue
                    if (dt.month, dt.day) in ((12, 25), (1, 1)) and r.random() < 0.5:
                        continue
                    if r.random() < 0.03:
                        continue
                    tmpl = e.template
                    if e.rotates:
                        opts = [6, 14, 22] if e.site == "MNL" else [7, 15, 23]
                        tmpl = opts[(opts.index(tmpl) + d // 28) % 3] if tmpl in opts else tmpl
                    ls = tmpl
                    ln = 9.0
                    wfh = r.random() < 0.04
                st = self.start + d * MS_D + int((ls - off) * MS_H) + r.randint(-6 * MS_M, 9 * MS_M)
                en = st + int(ln * MS_H)
                if st < self.start or st >= self.end:
                    continue
                if e.hire_t is not None and st < e.hire_t + 15 * MS_M:
                    st = e.hire_t + r.randint(15 * MS_M, 45 * MS_M)
                    if en - st < 3 * MS_H:
                        en = st + 6 * MS_H
                training = train_left > 0
                if training:
                    train_left -= 1
                if wfh:
                    ip = f"100.{64 + net % 50}.{r.randint(0, 255)}.{r.randint(2, 254)}"
                else:
                    ip = e.desk_ip
                sess = f"{(e.num * 2654435761 + d * 40503 + self.seed) & 0xffffffff:08x}"
                e.shifts.append((st, en, ip, sess, training, wfh, d))
            e.shifts.sort()
            e.sh_starts = [s[0] for s in e.shifts]
            if e.leave_day is not None:
                base = self.start + e.leave_day * MS_D + int((17.5 - self.offsets[e.site][e.leave_day]) * MS_H) + r.randint(0, 40 * MS_M)
                lastend = e.shifts[-1][1] if e.shifts else base
                e.leave_t = max(base, lastend + r.randint(20 * MS_M, 90 * MS_M))
                if e.hire_t is not None and e.leave_t <= e.hire_t:
                    e.leave_t = e.hire_t + 9 * MS_H

    def shift_at(self, e, t):
        i = bisect.bisect_right(e.sh_starts, t) - 1
        if i >= 0:
            sh = e.shifts[i]
            if sh[0] <= t < sh[1]:
                return sh
        return None

    def next_shift(self, e, t, min_left=15 * MS_M, working_only=True):
        i = bisect.bisect_right(e.sh_starts, t) - 1
        if i < 0:
            i = 0
        while i < len(e.shifts):
            sh = e.shifts[i]
            if sh[1] - min_left > t and not (working_only and sh[4]):
                return sh
            i += 1
        return None

    # --------------------------------------------------------------- routing
    def build_index(self):
        nh = self.days * 24
        idx = defaultdict(lambda: defaultdict(list))
        for e in self.emps:
            for sh in e.shifts:
                if sh[4]:
                    continue
                per = e.period_at(sh[0])
                pool = per[3]
                role = per[1]
                w = e.speed
                if role.endswith("lead") or role == "integrity-manager":
                    w = 0.25
                if e.hire_day is not None:
                    k = sh[6] - e.hire_day - 7
                    w *= min(1.0, 0.3 + 0.7 * max(0, k) / 15.0)
                h0 = max(0, (sh[0] - self.start) // MS_H)
                h1 = min(nh - 1, (sh[1] - 20 * MS_M - self.start) // MS_H)
                for h in range(h0, h1 + 1):
                    idx[pool][h].append((e, sh, w))
        self.pidx = {}
        for pool, hs in idx.items():
            d = {}
            for h, lst in hs.items():
                cum = []
                acc = 0.0
                for x in lst:
                    acc += x[2]
                    cum.append(acc)
                d[h] = (lst, cum)
            self.pidx[pool] = d

    def on_duty(self, pool, t):
        d = self.pidx.get(pool)
        return bool(d and d.get((t - self.start) // MS_H))

    def route(self, r, pool, t, exclude=None, max_hours=120):
        seen = set()
        while pool not in self.pidx and pool not in seen:
            seen.add(pool)
            pool = FALLBACK.get(pool, pool)
        if pool not in self.pidx:
            return None
        d = self.pidx[pool]
        nh = self.days * 24
        h = (t - self.start) // MS_H
        for _ in range(max_hours):
            if h >= nh:
                return None
            c = d.get(h)
            if c:
                lst, cum = c
                for _try in range(4):
                    e, sh, w = lst[bisect.bisect(cum, r.random() * cum[-1])] if len(lst) > 1 else lst[0]
                    if exclude is not None and e is exclude:
                        continue
                    tt = max(t, sh[0] + r.randint(2 * MS_M, 12 * MS_M))
                    if tt < sh[1] - 12 * MS_M:
                        return e, sh, tt
            h += 1
            t = max(t, self.start + h * MS_H + r.randint(0 * MS_M, 10 * MS_M))
        return None

    # -------------------------------------------------------------- emit helpers
    def eact(self, e, sh, t, action, target=None, targets=None, fields=None,
             purpose=None, outcome=None, tool=None, extra=None):
        if e.leave_t is not None and t >= e.leave_t:
            return None
        if tool is None:
            tool = TOOL.get(e.dept_at(t), "helm")
        attrs = {"tool": tool, "ip": sh[2], "session": sh[3]}
        if extra:
            attrs.update(extra)
        return self.out.emit(t, e.actor_at(t), action, target, targets, fields, purpose, outcome, attrs)

    def sys_actor(self, sid):
        return {"type": "system", "id": sid}

    # ----------------------------------------------------------- marketplace
    def build_market(self):
        r = rng_for(self.seed, "market")
        C, S = self.C, self.S
        nums = r.sample(range(1000000, 9999999), C + 64)
        self.cust_ids = [f"cu-{n}" for n in nums[:C]]
        spare = nums[C:]
        self.cust_region = r.choices(range(3), weights=[x[2] for x in REGIONS], k=C)
        act = [r.lognormvariate(0, 1.0) for _ in range(C)]
        self.cust_cum = []
        acc = 0.0
        for w in act:
            acc += w
            self.cust_cum.append(acc)
        # shared accounts: VIPs (real customers with a history of escalations) and
        # QA/test buyer accounts used for training and smoke tests
        nvip = max(2, min(6, C // 12000))
        self.vips = r.sample(range(C), nvip)
        self.vip_set = set(self.vips)
        self.test_accounts = [f"cu-{n}" for n in spare[:max(3, min(6, C // 10000 + 2))]]
        nh = max(2, min(10, C // 8000))
        self.honeytoken_ids = [f"cu-{n}" for n in spare[10:10 + nh]]
        # sellers
        snums = r.sample(range(10000, 99999), S)
        self.sel_ids = [f"sl-{n}" for n in snums]
        self.sel_cat = [r.randrange(len(CATEGORIES)) for _ in range(S)]
        ranks = list(range(S))
        r.shuffle(ranks)
        self.sel_rank = ranks           # 0 = most popular
        self.sel_pop = [1.0 / (rk + 1) ** 1.05 for rk in ranks]
        self.sel_bad = [min(0.9, r.betavariate(1.2, 6.0)) for _ in range(S)]
        self.sel_products = []
        for s in range(S):
            k = 2 + int(min(28, 30 * self.sel_pop[s] ** 0.35 * r.random() + r.randint(0, 4)))
            self.sel_products.append([f"p-{r.getrandbits(28):07x}" for _ in range(k)])
        # owners with several storefronts
        self.sel_owner = [None] * S
        pool = list(range(S))
        r.shuffle(pool)
        i = 0
        ogroups = []
        while i < len(pool) and len(ogroups) < max(2, int(S * 0.03)):
            g = pool[i:i + r.randint(2, 4)]
            i += len(g)
            oid = f"own-{r.randint(1000, 9999)}"
            for s in g:
                self.sel_owner[s] = oid
            ogroups.append(g)
        self.owner_groups = ogroups
        self.by_rank = sorted(range(S), key=lambda s: self.sel_rank[s])
        self.order_base = r.randint(4100000000, 4190000000)
        self.review_base = r.randint(20000000, 29000000)
        self.ticket_base = r.randint(4000000, 4600000)
        self.apv_base = r.randint(100000, 300000)

    def seller_cum(self):
        cum = []
        acc = 0.0
        for s in range(self.S):
            acc += self.sel_pop[s]
            cum.append(acc)
        return cum

    def banned_at(self, s, t):
        for a, b in self.ban_iv.get(s, ()):
            if a <= t < b:
                return True
        return False

    def plan_kyc(self):
        """seller KYC documents expire: integrity suspends, seller uploads, integrity reactivates."""
        r = rng_for(self.seed, "kyc")
        self.kyc_cases = 0
        for d in range(self.days):
            for _ in range(poisson(r, self.S * 0.0016)):
                s = r.randrange(self.S)
                if s in self.protected_sellers or s in self.ban_iv or s in self.bait:
                    continue
                t = self.start + d * MS_D + r.randint(0, MS_D - 1)
                fix = r.random() < 0.72
                plan = {"kyc": True}
                tk = Ticket(t, "account", "system", "int", seller=s, sysid="kyc-monitor",
                            topic="kyc_documents_expired", plan=plan)
                self.tickets.append(tk)
                until = self.end + MS_D
                if fix:
                    tf = t + r.randint(20 * MS_H, 7 * MS_D)
                    fu = Ticket(tf, "account", "seller", "int", seller=s, topic="documents_uploaded",
                                plan={"kyc_followup": plan}, channel="seller-portal")
                    self.tickets.append(fu)
                    until = tf + 2 * MS_D
                self.ban_iv[s].append((t + 6 * MS_H, until))
                self.kyc_cases += 1

    def plan_bans(self):
        """baseline enforcement bans; appeals are planned with them."""
        r = rng_for(self.seed, "bans")
        for d in range(self.days):
            for s in range(self.S):
                p = 0.00018 + 0.0022 * self.sel_bad[s]
                if r.random() < p:
                    if s in self.protected_sellers or s in self.ban_iv:
                        continue
                    t = self.start + d * MS_D + r.randint(0, MS_D - 1)
                    reason = r.choices(["counterfeit", "review_manipulation", "fraud", "policy"],
                                       [0.3, 0.25, 0.3, 0.15])[0]
                    self.add_ban(r, s, t, reason, f"ENF-{r.randint(100, 480)}", appeal=True)

    def add_ban(self, r, s, t, reason, rule, appeal=True, reinstate=None, sysid="enforcement-svc",
                appeal_plan=None):
        self.bans.append((t, s, reason, rule, sysid))
        until = self.end + MS_D
        if appeal and r.random() < 0.65:
            ta = t + r.randint(6 * 60 * MS_M, 4 * 24 * 60 * MS_M)
            if reinstate is None:
                reinstate = r.random() < 0.27
            plan = appeal_plan or {"decision": "reinstate" if reinstate else "deny"}
            tk = Ticket(ta, "appeal", "seller", "int", seller=s, plan=plan, channel="seller-portal",
                        topic="ban_appeal")
            self.tickets.append(tk)
            if plan.get("decision") == "reinstate":
                until = ta + 5 * MS_D
        self.ban_iv[s].append((t, until))

    def gen_orders(self):
        r = rng_for(self.seed, "orders")
        scum = self.seller_cum()
        cids = range(self.C)
        o_t, o_c, o_s, o_p = [], [], [], []
        for d in range(self.days):
            dt = self.dates[d]
            n = int(self.C * 0.035 * self.season[d] * ORDER_DOW[dt.weekday()] * r.uniform(0.94, 1.06))
            cs = r.choices(cids, cum_weights=self.cust_cum, k=n)
            ss = r.choices(range(self.S), cum_weights=scum, k=n)
            hs = r.choices(range(24), cum_weights=HOURLY_CUM, k=n)
            day0 = self.start + d * MS_D
            rows = []
            for c, s, h in zip(cs, ss, hs):
                tz = REGIONS[self.cust_region[c]][1]
                t = day0 + ((h - tz) % 24) * MS_H + r.randint(0, MS_H - 1)
                if s in self.ban_iv and self.banned_at(s, t):
                    s = self.by_rank[r.randint(0, min(self.S - 1, 200))]
                    if s in self.ban_iv and self.banned_at(s, t):
                        continue
                prods = self.sel_products[s]
                p = min(int(r.expovariate(0.35)), len(prods) - 1)
                rows.append((t, c, s, p))
            rows.sort()
            for t, c, s, p in rows:
                o_t.append(t)
                o_c.append(c)
                o_s.append(s)
                o_p.append(p)
        self.o_t, self.o_c, self.o_s, self.o_p = o_t, o_c, o_s, o_p
        self.o_id = [f"o{self.order_base + i * 3 + (i * 7919) % 3}" for i in range(len(o_t))]
        self.sel_orders = defaultdict(list)
        self.cust_orders = defaultdict(list)
        for i in range(len(o_t)):
            self.sel_orders[o_s[i]].append(i)
            self.cust_orders[o_c[i]].append(i)
        self.sel_order_t = {s: [o_t[i] for i in lst] for s, lst in self.sel_orders.items()}

    def gen_reviews(self):
        r = rng_for(self.seed, "reviews")
        rows = []
        for i in range(len(self.o_t)):
            if r.random() >= 0.25:
                continue
            t = self.o_t[i] + int((2 + r.expovariate(1 / 5.0)) * MS_D) + r.randint(0, MS_H)
            if t >= self.end:
                continue
            s = self.o_s[i]
            pneg = 0.05 + 0.55 * self.sel_bad[s]
            if r.random() < pneg:
                rating = 1 if r.random() < 0.65 else 2
            else:
                y = r.random()
                rating = 3 if y < 0.11 else (4 if y < 0.37 else 5)
            rows.append((t, self.o_c[i], s, self.o_p[i], rating, i))
        # review bombs (look-alike): coordinated 1-star floods by throw-away accounts
        for lb in self.bomb_plans:
            s = lb["seller"]
            for _ in range(lb["count"]):
                t = lb["t0"] + int(r.expovariate(1 / (7 * MS_H)))
                if t >= self.end:
                    continue
                c = r.randrange(self.C)
                rating = 1 if r.random() < 0.88 else 2
                p = r.randrange(len(self.sel_products[s]))
                rows.append((t, c, s, p, rating, -1))
        rows.sort()
        self.r_t = [x[0] for x in rows]
        self.r_c = [x[1] for x in rows]
        self.r_s = [x[2] for x in rows]
        self.r_p = [x[3] for x in rows]
        self.r_rating = [x[4] for x in rows]
        self.r_order = [x[5] for x in rows]
        self.r_id = [f"rv-{self.review_base + i * 2 + (i * 31) % 2}" for i in range(len(rows))]
        self.sel_reviews = defaultdict(list)
        for i in range(len(rows)):
            self.sel_reviews[self.r_s[i]].append(i)
        for lb in self.bomb_plans:
            lb["reviews"] = [i for i in self.sel_reviews[lb["seller"]] if self.r_order[i] == -1]
            for i in lb["reviews"]:
                self.rev_legit_del.add(i)
        self.rdel = {}     # review idx -> deletion time (as emitted or planned)

    # ----------------------------------------------------------- insiders plan
    def select_insiders(self):
        self.protected_sellers = set()
        self.bait = {}
        # honeytoken bait: decoys are indexed as buyers of the most popular sellers
        for k, h in enumerate(self.honeytoken_ids):
            self.bait.setdefault(self.by_rank[k % max(1, min(self.S, 8))], []).append(h)
        if self.intensity <= 0:
            return
        r = rng_for(self.seed, "insiders")
        n = max(3, round(0.01 * self.N * min(1.0, self.intensity)))
        order = ["data_sale", "review_removal", "seller_reactivation", "data_sale_ring",
                 "leaver_export", "slow_leak", "data_sale", "review_removal",
                 "seller_reactivation", "data_sale", "slow_leak", "leaver_export",
                 "review_removal", "data_sale_ring"]
        slots = []
        i = 0
        ring = 0
        while len(slots) < n:
            sc = order[i % len(order)]
            i += 1
            if sc == "data_sale_ring":
                k = min(3, n - len(slots))
                if k < 2:
                    continue
                ring += 1
                slots += [(sc, ring, j) for j in range(k)]
            else:
                slots.append((sc, None, 0))
        subtle = set(r.sample(range(n), round(self.cover * n)))
        stable = [e for e in self.emps if e.hire_day is None and e.leave_day is None and not e.changes
                  and len(e.vac) <= self.days * 0.2]
        used = set()

        def pick(roles, site=None, inhouse=None):
            for rl in roles:
                c = [e for e in stable if e.periods[0][1] == rl and e.idx not in used
                     and (site is None or e.site == site) and (inhouse is None or e.inhouse == inhouse)]
                if c:
                    e = r.choice(c)
                    used.add(e.idx)
                    return e
            return None

        days = self.days
        rings = {}
        for k, (sc, ring_id, j) in enumerate(slots):
            sub = k in subtle
            if sc == "data_sale":
                e = pick(["bc-agent"]) or pick(["sc-agent", "bc-senior"])
            elif sc == "data_sale_ring":
                roles = [(["bc-agent"], "MNL"), (["sc-agent"], None), (["bc-agent"], "BOG")][j % 3]
                e = pick(roles[0], roles[1]) or pick(["bc-agent", "sc-agent", "moderator"])
            elif sc == "review_removal":
                e = pick(["moderator"]) or pick(["mod-lead"])
            elif sc == "seller_reactivation":
                e = pick(["integrity-analyst"]) or pick(["integrity-manager"])
            elif sc == "leaver_export":
                e = pick(["sc-lead", "risk-investigator", "sc-kam"], inhouse=True) or pick(["sc-agent"], inhouse=True)
            else:  # slow_leak
                e = pick(["sc-agent", "bc-senior", "sc-kam"], inhouse=True) or pick(["bc-agent"])
            if e is None:
                continue
            ins = Insider(e, sc, sub)
            e.insider = ins
            if sc == "leaver_export":
                e.leave_day = r.randint(int(days * 0.72), max(int(days * 0.72), days - 2))
                e.leave_reason = "resigned"
                ins.story["leave_day"] = e.leave_day
            if ring_id is not None:
                ins.story["ring"] = ring_id
                rings.setdefault(ring_id, []).append(ins)
            self.insiders.append(ins)
        # beneficiaries and targets
        first_harvester = True
        for ins in self.insiders:
            sc = ins.scenario
            st = ins.story
            if sc in ("data_sale", "data_sale_ring"):
                rid = st.get("ring")
                if rid is not None and "ring_ben" in rings[rid][0].story and rings[rid][0] is not ins:
                    st["beneficiary"] = rings[rid][0].story["beneficiary"]
                    st["targets"] = rings[rid][0].story["targets"]
                else:
                    b = self.pick_seller(r, 30, 300)
                    cat = self.sel_cat[b]
                    comp = [s for s in self.by_rank[:120] if self.sel_cat[s] == cat and s != b
                            and s not in self.protected_sellers][:6]
                    if not comp:
                        comp = [s for s in self.by_rank[:20] if s != b][:3]
                    tgt = r.sample(comp, min(len(comp), r.randint(1, 3) if sc == "data_sale" else 2))
                    if sc == "data_sale" and first_harvester and not ins.subtle and self.bait:
                        bs = sorted(self.bait)[0]
                        if bs not in tgt:
                            tgt = [bs] + tgt[:1]
                        first_harvester = False
                    st["beneficiary"] = [b]
                    st["targets"] = tgt
                    if rid is not None:
                        st["ring_ben"] = True
                self.protected_sellers.update(st["beneficiary"])
                self.protected_sellers.update(st["targets"])
            elif sc == "review_removal":
                groups = [g for g in self.owner_groups if not (set(g) & self.protected_sellers)]
                if groups and r.random() < 0.5:
                    g = r.choice(groups)
                    bens = list(g)
                else:
                    bens = [self.pick_seller(r, 40, 400)]
                # the paying seller(s) sell a lot and attract complaints
                kmax = self.rank_for_orders(140 / len(bens))
                for k, s in enumerate(bens):
                    self.promote_seller(r, s, min(r.randint(6, 30) + 4 * k, max(1 + k, kmax - r.randint(0, 2))))
                    self.sel_bad[s] = r.uniform(0.5, 0.65)
                st["beneficiary"] = bens
                self.protected_sellers.update(bens)
            elif sc == "slow_leak":
                b = self.pick_seller(r, 40, 400)
                self.promote_seller(r, b, min(r.randint(12, 45), max(2, self.rank_for_orders(120) - 1)))
                self.sel_bad[b] = r.uniform(0.35, 0.5)
                st["beneficiary"] = [b]
                st["targets"] = [b]
                self.protected_sellers.add(b)
            elif sc == "leaver_export":
                b = self.pick_seller(r, 50, 500)
                cat = self.sel_cat[b]
                top = [s for s in self.by_rank if self.sel_cat[s] == cat and s != b][:10]
                st["beneficiary"] = [b]
                st["targets"] = top
                st["category"] = CATEGORIES[cat]
                self.protected_sellers.add(b)
                self.protected_sellers.update(top)
            elif sc == "seller_reactivation":
                k = max(1, round((r.randint(5, 7) if not ins.subtle else r.randint(2, 3)) * self.intensity))
                bens = []
                for _ in range(k * 20):
                    if len(bens) >= k:
                        break
                    s = self.pick_seller(r, 80, self.S - 1)
                    if s not in bens and s not in self.protected_sellers:
                        bens.append(s)
                        self.protected_sellers.add(s)
                for s in bens:
                    self.sel_bad[s] = max(self.sel_bad[s], r.uniform(0.3, 0.6))
                st["beneficiary"] = bens
                self.protected_sellers.update(bens)

    def pick_seller(self, r, lo, hi):
        lo = min(lo, self.S - 1)
        hi = max(lo, min(hi, self.S - 1))
        for _ in range(200):
            s = self.by_rank[r.randint(lo, hi)]
            if s not in self.protected_sellers and s not in self.bait:
                return s
        for s in self.by_rank[lo:]:
            if s not in self.protected_sellers:
                return s
        return self.by_rank[-1]

    def rank_for_orders(self, want):
        """largest popularity rank whose expected order count over the window is >= want (capped)."""
        H = sum(1.0 / (k + 1) ** 1.05 for k in range(self.S))
        tot = self.C * 0.035 * self.days * 1.05
        k = 0
        while k + 1 < self.S and tot * (1.0 / (k + 2) ** 1.05) / H >= want:
            k += 1
        return k

    def promote_seller(self, r, s, rank):
        """swap popularity ranks so that s becomes the seller at `rank`."""
        rank = min(rank, self.S - 1)
        o = self.by_rank[rank]
        while o in self.protected_sellers or o in self.bait:
            rank += 1
            if rank >= self.S:
                return
            o = self.by_rank[rank]
        if o == s or self.sel_rank[s] <= rank:
            return
        rs, ro = self.sel_rank[s], self.sel_rank[o]
        self.sel_rank[s], self.sel_rank[o] = ro, rs
        self.sel_pop[s], self.sel_pop[o] = self.sel_pop[o], self.sel_pop[s]
        self.by_rank[ro], self.by_rank[rs] = s, o

    def plan_reactivations(self):
        r = rng_for(self.seed, "insider-react")
        for ins in self.insiders:
            if ins.scenario != "seller_reactivation":
                continue
            e = ins.emp
            st = ins.story
            bens = st["beneficiary"]
            days = self.days
            d0 = r.randint(max(1, int(days * 0.12)), max(1, int(days * 0.45)))
            span = max(1, days - d0 - 3)
            plans = []
            for j, s in enumerate(bens):
                dd = d0 + int(span * j / max(1, len(bens))) + r.randint(0, 1)
                tb = self.start + min(dd, days - 2) * MS_D + r.randint(0, MS_D - 1)
                if ins.subtle:
                    delay = r.uniform(5, 14) * MS_D
                else:
                    delay = r.uniform(0.6, 3.0) * MS_D
                sh = self.next_shift(e, tb + delay, min_left=40 * MS_M)
                if sh is None or sh[0] >= self.end - MS_H:
                    sh = self.next_shift(e, tb + 6 * MS_H, min_left=40 * MS_M)
                    if sh is None:
                        continue
                ta = max(sh[0], tb + 3 * MS_H) + r.randint(15 * MS_M, 120 * MS_M)
                if ta >= sh[1] - 10 * MS_M:
                    ta = sh[1] - r.randint(11 * MS_M, 20 * MS_M)
                if ta <= tb + 2 * MS_H:
                    continue
                reason = r.choice(["counterfeit", "review_manipulation", "fraud", "counterfeit"])
                variant = r.choices(["pending", "denied", "fake"],
                                    [0.5, 0.3 if ins.subtle else 0.1, 0.2])[0]
                gap = ta - tb
                if variant == "denied" and gap < 4 * MS_D:
                    variant = "pending"
                if variant == "pending":
                    to = tb + r.randint(3 * 60, int(max(4 * 60, gap / MS_M * 0.5))) * MS_M
                    tk = Ticket(min(to, ta - MS_H), "appeal", "seller", "int", seller=s,
                                plan={"owner": "insider"}, channel="seller-portal", topic="ban_appeal")
                elif variant == "denied":
                    to = tb + r.randint(3 * 60 * MS_M, 30 * 60 * MS_M)
                    tk = Ticket(to, "appeal", "seller", "int", seller=s, plan={"decision": "deny"},
                                channel="seller-portal", topic="ban_appeal")
                else:
                    to = tb + r.randint(2 * 60, int(max(3 * 60, gap / MS_M * 0.6))) * MS_M
                    tk = Ticket(min(to, ta - MS_H), "other", "seller", "sc", seller=s,
                                channel="seller-portal", topic="account_status")
                self.tickets.append(tk)
                self.bans.append((tb, s, reason, f"ENF-{r.randint(100, 480)}", "enforcement-svc"))
                self.ban_iv[s].append((tb, ta + 2 * MS_H))
                plans.append({"seller": s, "ban_t": tb, "t": ta, "shift": sh, "variant": variant,
                              "ticket": tk, "reason": reason})
            st["plans"] = plans

    def plan_review_removal(self):
        r = rng_for(self.seed, "insider-reviews")
        for ins in self.insiders:
            if ins.scenario != "review_removal":
                continue
            e = ins.emp
            st = ins.story
            bens = st["beneficiary"]
            days = self.days
            d0 = r.randint(max(1, int(days * 0.2)), max(1, int(days * 0.45)))
            t_from = self.start + d0 * MS_D
            revs = sorted(i for s in bens for i in self.sel_reviews.get(s, ())
                          if self.r_rating[i] <= (3 if not ins.subtle else 2)
                          and i not in self.rev_legit_del and self.r_order[i] >= 0)
            subtle = ins.subtle
            p_del = (0.35 if subtle else 0.8) * min(1.5, self.intensity)
            deletions = []
            per_shift = Counter()
            first = self.next_shift(e, t_from, min_left=2 * MS_H)
            if first is None:
                st["deletions"] = []
                continue
            for i in revs:
                rt = self.r_t[i]
                if self.r_rating[i] == 3 and r.random() > 0.3:
                    continue
                if rt < t_from - 30 * MS_D:
                    continue
                if rt < first[0]:
                    # backlog cleared during the first active shift(s)
                    if subtle and r.random() > 0.35 * min(1.0, self.intensity):
                        continue
                    if not subtle and r.random() > 0.85 * min(1.0, self.intensity):
                        continue
                    sh = first
                    if subtle:
                        sh = self.next_shift(e, first[0] + r.randint(0, 10) * MS_D, min_left=MS_H)
                        if sh is None:
                            continue
                    t = sh[0] + r.randint(30 * MS_M, 200 * MS_M)
                else:
                    if r.random() > p_del:
                        continue
                    delay = (r.uniform(1, 5) * MS_D) if subtle else (r.uniform(1, 20) * MS_H)
                    sh = self.next_shift(e, rt + delay, min_left=30 * MS_M)
                    if sh is None:
                        continue
                    lo = max(sh[0] + 10 * MS_M, rt + MS_H)
                    if lo >= sh[1] - 10 * MS_M:
                        continue
                    t = r.randint(lo, sh[1] - 10 * MS_M)
                if subtle and per_shift[sh[0]] >= 2:
                    continue
                if t >= self.end or t <= rt:
                    continue
                per_shift[sh[0]] += 1
                deletions.append((t, i, sh))
                self.rdel[i] = t
                # some reviewers notice and complain
                if r.random() < 0.14:
                    tc = t + r.randint(20 * MS_H, 120 * MS_H)
                    if tc < self.end:
                        self.tickets.append(Ticket(tc, "review_dispute", "customer", "bc",
                                                   cust=self.r_c[i], seller=self.r_s[i], review=i,
                                                   topic="review_removed",
                                                   plan={"restore": r.random() < 0.55},
                                                   channel="web-form"))
            # make sure the story happens at least a little even in tiny worlds
            need = max(1, round((2 if subtle else 4) * min(1.0, self.intensity)))
            if len(deletions) < need:
                chosen = {x[1] for x in deletions}
                more = sorted(i for s in bens for i in self.sel_reviews.get(s, ())
                              if self.r_rating[i] <= 3 and i not in self.rev_legit_del and self.r_order[i] >= 0)
                for i in sorted(set(revs) | set(more), key=lambda i: (self.r_rating[i], -self.r_t[i])):
                    if len(deletions) >= need:
                        break
                    if i in chosen or self.r_t[i] < t_from - 30 * MS_D:
                        continue
                    rt = self.r_t[i]
                    sh = self.next_shift(e, max(rt + 2 * MS_H, first[0]), min_left=40 * MS_M)
                    if sh is None:
                        continue
                    lo = max(sh[0] + 10 * MS_M, rt + MS_H)
                    if lo >= sh[1] - 10 * MS_M:
                        continue
                    t = r.randint(lo, sh[1] - 10 * MS_M)
                    deletions.append((t, i, sh))
                    self.rdel[i] = t
                    chosen.add(i)
            deletions.sort()
            st["deletions"] = deletions

    # ---------------------------------------------------------- look-alikes plan
    def plan_lookalikes(self):
        r = rng_for(self.seed, "lookalike")
        days = self.days
        self.bomb_plans = []
        self.sweeps = []
        self.reversal = None
        self.regulator = None
        self.incidents = []
        self.rev_legit_del = set()
        taken = set(self.protected_sellers) | set(self.bait)
        # fraud sweeps: an investigator goes through the buyers of one seller
        for k in range(max(1, round(days / 30))):
            s = self.pick_free(r, 15, 150, taken)
            d = r.randint(max(1, int(days * 0.1)), max(1, int(days * 0.8)))
            t = self.start + d * MS_D + r.randint(0, MS_D - 1)
            self.sweeps.append({"seller": s, "t": t})
            self.ban_iv[s].append((t + 3 * MS_D, self.end + MS_D))
        # review bombs + clean-up
        for k in range(max(1, round(days / 45))):
            s = self.pick_free(r, 5, 120, taken)
            d = r.randint(max(1, int(days * 0.2)), max(1, int(days * 0.85)))
            t0 = self.start + d * MS_D + r.randint(0, MS_D - 1)
            cnt = max(15, int((60 + 140 * r.random()) * min(1.0, self.C / 60000) + 0.5))
            self.bomb_plans.append({"seller": s, "t0": t0, "count": cnt})
        # policy reversal: a faulty counterfeit rule bans many sellers, reversed in bulk
        if days >= 10:
            p = int(days * 0.35)
            K = max(5, round(self.S * 0.025))
            tb0 = self.start + p * MS_D + r.randint(0, 12 * MS_H)
            rule = f"CF-{r.randint(2000, 2999)}"
            mgrs = [e for e in self.emps if e.periods[0][1] == "integrity-manager" and e.leave_day is None
                    and e.insider is None]
            mgr, shr = None, None
            for e in r.sample(mgrs, len(mgrs)):
                sh = self.next_shift(e, tb0 + 3 * MS_D, min_left=3 * MS_H)
                if sh and sh[0] < tb0 + 6 * MS_D:
                    mgr, shr = e, sh
                    break
            if mgr is not None:
                sellers = []
                while len(sellers) < K:
                    s = self.pick_free(r, 100, self.S - 1, taken)
                    sellers.append(s)
                trev = shr[0] + r.randint(40 * MS_M, 90 * MS_M)
                items = []
                for s in sellers:
                    tb = tb0 + r.randint(0 * MS_M, 36 * 60 * MS_M)
                    tk = None
                    if r.random() < 0.7:
                        ta = tb + r.randint(2 * 60 * MS_M, 30 * 60 * MS_M)
                        if ta < trev - MS_H:
                            tk = Ticket(ta, "appeal", "seller", "int", seller=s, plan={"owner": "reversal"},
                                        channel="seller-portal", topic="ban_appeal")
                            self.tickets.append(tk)
                    self.bans.append((tb, s, "counterfeit", rule, "enforcement-svc"))
                    self.ban_iv[s].append((tb, trev + MS_H))
                    items.append({"seller": s, "ban_t": tb, "appeal": tk})
                inc = Ticket(trev - r.randint(3 * MS_H, 20 * MS_H), "other", "system", "none",
                             sysid="enforcement-svc", topic="rule_misfire", plan={"owner": "reversal"})
                self.tickets.append(inc)
                self.reversal = {"manager": mgr, "shift": shr, "t": trev, "rule": rule,
                                 "items": items, "incident": inc}
        # regulator export (consumer-protection inquiry into one seller)
        if days >= 7:
            s = self.pick_free(r, 3, 60, taken)
            d = r.randint(max(1, int(days * 0.3)), max(1, int(days * 0.8)))
            t = self.start + d * MS_D + r.randint(8 * MS_H, 15 * MS_H)
            tk = Ticket(t, "other", "system", "none", seller=s, sysid="legal-intake",
                        topic="regulator_request", plan={"owner": "regulator"})
            self.tickets.append(tk)
            self.regulator = {"seller": s, "ticket": tk}
        # production incidents with break-glass access by on-call engineers
        for k in range(max(1, round(days / 20))):
            d = r.randint(0, days - 1)
            hr_ = r.choice([1, 2, 3, 4, 13, 19, 22, 23])
            t = self.start + d * MS_D + hr_ * MS_H + r.randint(0, MS_H - 1)
            tk = Ticket(t, "other", "system", "none", sysid="incident-bot", topic="payment_capture_failure",
                        plan={"owner": "incident"})
            self.tickets.append(tk)
            self.incidents.append({"ticket": tk})

    def pick_free(self, r, lo, hi, taken):
        lo = min(lo, self.S - 1)
        hi = max(lo, min(hi, self.S - 1))
        for _ in range(300):
            s = self.by_rank[r.randint(lo, hi)]
            if s not in taken:
                taken.add(s)
                return s
        for s in self.by_rank:
            if s not in taken:
                taken.add(s)
                return s
        return self.by_rank[-1]

    # ------------------------------------------------------------ tickets plan
    def plan_tickets(self):
        r = rng_for(self.seed, "tickets")
        days = self.days
        # 1. contacts about orders
        for i in range(len(self.o_t)):
            s = self.o_s[i]
            if r.random() >= 0.30 + 0.3 * self.sel_bad[s]:
                continue
            t = self.o_t[i] + int(r.random() ** 2 * 12 * MS_D) + r.randint(5 * MS_M, 90 * MS_M)
            if t >= self.end:
                continue
            c = self.o_c[i]
            topic = r.choices(["not_received", "damaged", "refund", "wrong_item", "return", "delivery_address"],
                              [30, 14, 22, 10, 18, 6])[0]
            ch = r.choices(["chat", "email", "phone"], [55, 30, 15])[0]
            if r.random() < 0.012 + 0.05 * self.sel_bad[s]:
                self.tickets.append(Ticket(t, "fraud_report", "customer", "risk", cust=c, seller=s, order=i,
                                           topic="seller_scam", channel=ch))
            else:
                self.tickets.append(Ticket(t, "order_issue", "customer", "bc", cust=c, seller=s, order=i,
                                           topic=topic, channel=ch))
        # 2. account and general contacts
        for d in range(days):
            dt = self.dates[d]
            n = int(self.C * 0.008 * TICKET_DOW[dt.weekday()] * (1 + (self.season[d] - 1) * 0.5))
            cs = r.choices(range(self.C), cum_weights=self.cust_cum, k=n)
            cs += [v for v in self.vips if r.random() < 0.12]
            for c in cs:
                t = self.local_time(r, d, REGIONS[self.cust_region[c]][1])
                x = r.random()
                ch = r.choices(["chat", "email", "phone"], [50, 35, 15])[0]
                if x < 0.5:
                    topic = r.choices(["login", "email_change", "phone_change", "takeover", "data_access",
                                       "erasure", "payment_method"], [37, 19, 11, 3, 1.0, 0.6, 24])[0]
                    q = "priv" if topic in ("data_access", "erasure") else "bc"
                    self.tickets.append(Ticket(t, "account", "customer", q, cust=c, topic=topic,
                                               channel="web-form" if q == "priv" else ch))
                else:
                    topic = r.choices(["promo_code", "how_to", "delivery_question", "complaint"], [25, 30, 30, 15])[0]
                    od = self.cust_orders.get(c)
                    oi = None
                    if od:
                        j = bisect.bisect_left([self.o_t[k] for k in od], t)
                        if j > 0:
                            oi = od[j - 1]
                    self.tickets.append(Ticket(t, "other", "customer", "bc", cust=c,
                                               seller=self.o_s[oi] if oi is not None else None,
                                               order=oi, topic=topic, channel=ch))
        # 3. seller contacts
        scum = self.seller_cum()
        for d in range(days):
            dt = self.dates[d]
            n = int(self.S * 0.45 * TICKET_DOW[dt.weekday()] * (1 + (self.season[d] - 1) * 0.6))
            half = n // 2
            ss = r.choices(range(self.S), cum_weights=scum, k=half) + [r.randrange(self.S) for _ in range(n - half)]
            for s in ss:
                t = self.start + d * MS_D + r.randint(0, MS_D - 1)
                if self.banned_at(s, t):
                    continue
                kind = r.choices(["order_issue", "account", "review_dispute", "other"], [40, 25, 15, 20])[0]
                if kind == "order_issue":
                    oi = self.recent_seller_order(r, s, t)
                    if oi is None:
                        kind = "other"
                    else:
                        self.tickets.append(Ticket(t, kind, "seller", "sc", seller=s, order=oi, cust=self.o_c[oi],
                                                   topic=r.choice(["buyer_dispute", "return_request", "shipping_claim",
                                                                   "buyer_contact"]), channel="seller-portal"))
                        continue
                if kind == "review_dispute":
                    ri = self.recent_negative_review(r, s, t)
                    if ri is None:
                        kind = "other"
                    else:
                        dele = r.random() < 0.2
                        if dele:
                            self.rev_legit_del.add(ri)
                        self.tickets.append(Ticket(t, kind, "seller", "sc", seller=s, review=ri, cust=None,
                                                   topic="contest_review", plan={"delete": dele},
                                                   channel="seller-portal"))
                        continue
                topic = (r.choice(["payout", "verification", "listing_blocked", "fees"]) if kind == "account"
                         else r.choice(["catalog", "ads", "shipping_settings", "promotion"]))
                self.tickets.append(Ticket(t, kind, "seller", "sc", seller=s, topic=topic, channel="seller-portal"))
        # 4. automatic review flags (moderation queue)
        for i in range(len(self.r_t)):
            if self.r_order[i] == -1:
                continue
            p = 0.22 + (0.15 if self.r_rating[i] <= 2 else 0.0)
            if r.random() >= p:
                continue
            t = self.r_t[i] + r.randint(10 * MS_M, 30 * 60 * MS_M)
            if t >= self.end:
                continue
            dele = i not in self.rev_legit_del and r.random() < 0.3
            if dele:
                self.rev_legit_del.add(i)
                if r.random() < 0.05:
                    tc = t + r.randint(48 * MS_H, 150 * MS_H)
                    if tc < self.end:
                        self.tickets.append(Ticket(tc, "review_dispute", "customer", "bc", cust=self.r_c[i],
                                                   seller=self.r_s[i], review=i, topic="review_removed",
                                                   plan={"restore": r.random() < 0.25}, channel="web-form"))
            self.tickets.append(Ticket(t, "review_dispute", "system", "mod", review=i, seller=self.r_s[i],
                                       cust=self.r_c[i], sysid="tns-autoflag",
                                       topic=r.choice(["spam_score", "profanity", "off_topic_model", "user_report"]),
                                       plan={"delete": dele}))
        # 5. fraud alerts from the risk engine
        for d in range(days):
            n = poisson(r, self.S * 0.011 + self.C * 0.00009)
            for _ in range(n):
                t = self.start + d * MS_D + r.randint(0, MS_D - 1)
                if r.random() < 0.6:
                    s = r.choices(range(self.S), weights=None)[0] if r.random() < 0.5 else self.by_rank[r.randint(0, min(self.S - 1, 300))]
                    self.tickets.append(Ticket(t, "fraud_report", "system", "risk", seller=s, sysid="risk-engine",
                                               topic=r.choice(["velocity", "triangulation", "counterfeit_signal"])))
                else:
                    c = r.randrange(self.C)
                    self.tickets.append(Ticket(t, "fraud_report", "system", "risk", cust=c, sysid="risk-engine",
                                               topic=r.choice(["promo_abuse", "chargeback_ring"])))
        # 6. look-alike: seller complaint that starts the review-bomb clean-up
        for lb in self.bomb_plans:
            tk = Ticket(lb["t0"] + r.randint(3 * MS_H, 8 * MS_H), "review_dispute", "seller", "none", seller=lb["seller"],
                        topic="review_bombing", plan={"owner": "bomb"}, channel="seller-portal")
            self.tickets.append(tk)
            lb["ticket"] = tk
        # seller-requested buyer reports (VAT invoices / shipping re-labels) worked by KAMs and seller-care leads
        self.report_jobs = []
        for e in self.emps:
            if not e.inhouse:
                continue
            for sh in e.shifts:
                if sh[4]:
                    continue
                role = e.role_at(sh[0])
                if role not in ("sc-kam", "sc-lead") or r.random() >= 0.07:
                    continue
                if role == "sc-kam" and e.kam_sellers:
                    s = r.choice(e.kam_sellers)
                else:
                    s = self.by_rank[min(self.S - 1, int(r.expovariate(1 / 60.0)))]
                to = sh[0] - r.randint(2 * MS_H, 72 * MS_H)
                if to < self.start or self.banned_at(s, sh[0]):
                    continue
                tk = Ticket(to, "account", "seller", "none", seller=s, topic="buyer_report",
                            plan={"owner": "report"}, channel="seller-portal")
                self.tickets.append(tk)
                self.report_jobs.append((e, sh, tk))
        # fraud sweep case tickets
        for sw in self.sweeps:
            tk = Ticket(sw["t"], "fraud_report", "system", "none", seller=sw["seller"], sysid="risk-engine",
                        topic="fake_order_ring", plan={"owner": "sweep"})
            self.tickets.append(tk)
            sw["ticket"] = tk

    def local_time(self, r, d, tz):
        h = r.choices(range(24), cum_weights=HOURLY_CUM)[0]
        return self.start + d * MS_D + ((h - tz) % 24) * MS_H + r.randint(0, MS_H - 1)

    def recent_seller_order(self, r, s, t, window=400):
        ts = self.sel_order_t.get(s)
        if not ts:
            return None
        j = bisect.bisect_left(ts, t)
        if j == 0:
            return None
        return self.sel_orders[s][r.randint(max(0, j - window), j - 1)]

    def recent_negative_review(self, r, s, t):
        lst = self.sel_reviews.get(s)
        if not lst:
            return None
        cands = [i for i in lst[-60:] if self.r_t[i] < t - MS_H and self.r_rating[i] <= 2
                 and self.r_order[i] >= 0 and i not in self.rev_legit_del]
        if not cands:
            return None
        return r.choice(cands)

    def assign_ticket_ids(self):
        r = rng_for(self.seed, "ticket-ids")
        self.tickets.sort(key=lambda k: k.t)
        n = self.ticket_base
        for tk in self.tickets:
            n += r.randint(1, 3)
            tk.id = f"H-{n}"

    # ================================================================ emission
    def emit_static(self):
        out = self.out
        r = rng_for(self.seed, "emit-static")
        # honeytokens (decoy customer records) planted by the security team
        t = self.start + r.randint(60 * MS_S, 300 * MS_S)
        for s, hs in sorted(self.bait.items()):
            for h in hs:
                t += r.randint(1 * MS_S, 20 * MS_S)
                out.emit(t, self.sys_actor("custos-deception"), "honeytoken.plant", tg("customer", h),
                         attrs={"bait": "seller-buyer-index", "seller": self.sel_ids[s]}, src="sys")
        # HR feed (deltas only: the feed was connected at the window start)
        for e in self.emps:
            if e.hire_t is not None:
                p = e.periods[0]
                attrs = {"role": p[1], "team": p[2], "site": e.site}
                if e.vendor:
                    attrs["vendor"] = VENDOR_NAME[e.vendor]
                if e.temp:
                    attrs["contract"] = "seasonal"
                out.emit(e.hire_t, self.sys_actor("hris"), "employee.hire", tg("employee", e.id), attrs=attrs, src="hr")
            for (t, role, team) in e.changes:
                out.emit(t, self.sys_actor("hris"), "employee.change", tg("employee", e.id),
                         attrs={"role": role, "team": team, "site": e.site}, src="hr")
            if e.leave_t is not None:
                attrs = {"reason": e.leave_reason}
                if e.leave_detail:
                    attrs["detail"] = e.leave_detail
                out.emit(e.leave_t, self.sys_actor("hris"), "employee.leave", tg("employee", e.id), attrs=attrs, src="hr")
        # orders
        for i in range(len(self.o_t)):
            s = self.o_s[i]
            out.emit(self.o_t[i], {"type": "customer", "id": self.cust_ids[self.o_c[i]]}, "order.create",
                     tg("order", self.o_id[i]),
                     attrs={"seller": self.sel_ids[s], "product": self.sel_products[s][self.o_p[i]],
                            "channel": "app" if (i * 2654435761) % 10 < 6 else "web"}, src="mkt")
        # reviews
        for i in range(len(self.r_t)):
            s = self.r_s[i]
            attrs = {"seller": self.sel_ids[s], "product": self.sel_products[s][self.r_p[i]],
                     "rating": self.r_rating[i]}
            if self.r_order[i] >= 0:
                attrs["order"] = self.o_id[self.r_order[i]]
                attrs["verified"] = True
            else:
                attrs["verified"] = False
            out.emit(self.r_t[i], {"type": "customer", "id": self.cust_ids[self.r_c[i]]}, "review.create",
                     tg("review", self.r_id[i]), attrs=attrs, src="mkt")
        # bans
        for (t, s, reason, rule, sysid) in self.bans:
            out.emit(t, self.sys_actor(sysid), "account.ban", tg("seller", self.sel_ids[s]),
                     attrs={"reason": reason, "rule": rule}, src="mkt")
        # tickets opened
        for tk in self.tickets:
            if tk.src == "customer":
                actor = {"type": "customer", "id": self.cust_ids[tk.cust]}
            elif tk.src == "seller":
                actor = {"type": "seller", "id": self.sel_ids[tk.seller]}
            else:
                actor = self.sys_actor(tk.sysid)
            attrs = {"kind": tk.kind}
            if tk.cust is not None:
                attrs["customer"] = self.cust_ids[tk.cust]
            if tk.seller is not None:
                attrs["seller"] = self.sel_ids[tk.seller]
            if tk.order is not None:
                attrs["order"] = self.o_id[tk.order]
            if tk.review is not None:
                attrs["review"] = self.r_id[tk.review]
            if tk.topic:
                attrs["topic"] = tk.topic
            if tk.channel:
                attrs["channel"] = tk.channel
            out.emit(tk.t, actor, "ticket.open", tg("ticket", tk.id), attrs=attrs, src="helm")

    def emit_sessions(self):
        """logins, training on test accounts, smoke tests."""
        r = rng_for(self.seed, "sessions")
        out = self.out
        for e in self.emps:
            for sh in e.shifts:
                role = e.role_at(sh[0])
                dept = e.dept_at(sh[0])
                if dept == "eng" and not sh[4] and r.random() > 0.45:
                    continue
                t = sh[0] - r.randint(1 * MS_M, 8 * MS_M)
                if e.hire_t is not None and t < e.hire_t:
                    t = e.hire_t + MS_M
                actor = e.actor_at(t)
                la = {"tool": "sso", "ip": sh[2], "device": e.device, "session": sh[3],
                      "mfa": "push" if e.inhouse else "totp"}
                if r.random() < 0.03:
                    out.emit(t - r.randint(20 * MS_S, 90 * MS_S), actor, "auth.login", outcome="failed",
                             attrs=dict(la, error="mfa_timeout"))
                out.emit(t, actor, "auth.login", attrs=la)
                if r.random() < 0.4:
                    t2 = sh[0] + int((sh[1] - sh[0]) * r.uniform(0.45, 0.6))
                    out.emit(t2, actor, "auth.login", attrs=la)
                if sh[4]:
                    # training day: sandbox walk-throughs on the shared test buyers
                    tt = sh[0] + r.randint(60 * MS_M, 150 * MS_M)
                    for _ in range(r.randint(5, 14)):
                        tt += r.randint(3 * MS_M, 25 * MS_M)
                        if tt >= sh[1]:
                            break
                        c = r.choice(self.test_accounts)
                        self.eact(e, sh, tt, "customer.view", tg("customer", c),
                                  fields=r.choice([["name", "email", "orders"], ["name", "account"],
                                                   ["name", "address", "phone"], ["orders", "payment"]]),
                                  purpose={"code": "quality_review", "reason": "new-hire training"},
                                  extra={"env": "training"})
                elif dept == "mod":
                    # most of a moderator's day is catalogue work: listings flagged by the model
                    tt = sh[0] + r.randint(10 * MS_M, 40 * MS_M)
                    for _ in range(r.randint(8, 30)):
                        tt += r.randint(4 * MS_M, 25 * MS_M)
                        if tt >= sh[1] - 5 * MS_M:
                            break
                        s = self.by_rank[min(self.S - 1, int(r.expovariate(1 / max(1.0, self.S / 6))))]
                        self.eact(e, sh, tt, "x.listing.review", tg("product", r.choice(self.sel_products[s])),
                                  extra={"seller": self.sel_ids[s],
                                         "decision": r.choices(["approve", "reject", "edit_requested"], [80, 8, 12])[0]})
                elif dept == "int":
                    tt = sh[0] + r.randint(20 * MS_M, 60 * MS_M)
                    for _ in range(r.randint(3, 12)):
                        tt += r.randint(8 * MS_M, 40 * MS_M)
                        if tt >= sh[1] - 10 * MS_M:
                            break
                        s = self.by_rank[min(self.S - 1, int(r.expovariate(1 / max(1.0, self.S / 5))))]
                        self.eact(e, sh, tt, "x.seller.review", tg("seller", self.sel_ids[s]),
                                  extra={"check": r.choice(["listing_audit", "kyc_refresh", "returns_rate",
                                                            "price_gouging"])})
                        if r.random() < 0.25:
                            oj = self.recent_seller_order(r, s, tt, window=200)
                            if oj is not None:
                                tt += r.randint(30 * MS_S, 3 * MS_M)
                                self.eact(e, sh, tt, "order.view", tg("order", self.o_id[oj]),
                                          purpose={"code": "quality_review", "reason": "seller audit sample"},
                                          extra={"customer": self.cust_ids[self.o_c[oj]], "seller": self.sel_ids[s]})
                elif dept in ("bc", "sc", "qa") and r.random() < 0.03:
                    tt = sh[0] + r.randint(30 * MS_M, 400 * MS_M)
                    if tt < sh[1]:
                        self.eact(e, sh, tt, "customer.view", tg("customer", r.choice(self.test_accounts)),
                                  fields=["name", "orders"], purpose={"code": "quality_review", "reason": "tool check"})

    # ----------------------------------------------------------------- handlers
    def sys_close(self, tk, r, t=None):
        t = t or (tk.t + r.randint(72 * MS_H, 120 * MS_H))
        if t < self.end:
            self.out.emit(t, self.sys_actor("helm"), "ticket.close", tg("ticket", tk.id),
                          attrs={"resolution": "expired_no_agent"}, src="helm")

    def close(self, e, sh, t, tk, resolution, extra=None):
        a = {"resolution": resolution}
        if extra:
            a.update(extra)
        eid = self.eact(e, sh, t, "ticket.close", tg("ticket", tk.id), extra=a)
        if eid:
            tk.closed_t = t
            if tk.cust is not None:
                self.closed.append((t, tk.id, tk.cust, tk.seller, tk.queue))
        return eid

    def assign(self, r, e, sh, t, tk, queue, lead_pool=None, extra=None):
        a = {"assignee": e.id, "queue": queue}
        if extra:
            a.update(extra)
        if lead_pool and r.random() < 0.1:
            got = self.route(r, lead_pool, t - 4 * MS_M, exclude=e, max_hours=1)
            if got and got[2] <= t:
                le, lsh, lt = got
                at = t - r.randint(30 * MS_S, 200 * MS_S)
                if at <= tk.t + 2 * MS_S:
                    at = tk.t + (t - tk.t) // 2
                self.eact(le, lsh, at, "ticket.assign", tg("ticket", tk.id), extra=dict(a, via="lead"))
                return t
        self.eact(e, sh, t, "ticket.assign", tg("ticket", tk.id), extra=a)
        return t

    def cname(self, c):
        h = (c * 2654435761) & 0xffffffff
        return SURNAMES[h % len(SURNAMES)], chr(65 + (h >> 8) % 26), MAILDOMS[(h >> 16) % len(MAILDOMS)], (h >> 4) % 90 + 10

    def query_for(self, r, c, oi):
        sur, ini, dom, zp = self.cname(c)
        x = r.random()
        if oi is not None and x < 0.45:
            return f"order:{self.o_id[oi]}", 0
        if x < 0.72:
            return f"email:{ini.lower()}{sur[:2].lower()}***@{dom}", 0
        if x < 0.86:
            return f"phone:*{(c * 7919) % 9000 + 1000}", r.choice([0, 0, 1])
        return f'name:"{ini}. {sur}" zip:{zp}*', r.randint(0, 4)

    def search_targets(self, r, c, extra):
        t = [self.cust_ids[c]]
        for _ in range(extra):
            o = self.cust_ids[r.randrange(self.C)]
            if o not in t:
                t.append(o)
        return t

    BC_FIELDS = {
        "not_received": ["name", "address", "orders"], "damaged": ["name", "orders"],
        "refund": ["name", "orders", "payment"], "wrong_item": ["name", "orders"],
        "return": ["name", "address", "orders"], "delivery_address": ["name", "address", "phone", "orders"],
        "login": ["name", "email", "account"], "email_change": ["name", "email", "account"],
        "phone_change": ["name", "phone", "account"], "takeover": ["name", "email", "phone", "account"],
        "payment_method": ["name", "payment", "account"], "promo_code": ["name", "account", "orders"],
        "how_to": ["name", "account"], "delivery_question": ["name", "orders", "address"],
        "complaint": ["name", "orders", "reviews"], "review_removed": ["name", "reviews", "account"],
    }
    BC_RES = {
        "not_received": ["refund_issued", "carrier_claim_opened", "info_provided", "reshipped"],
        "damaged": ["refund_issued", "replacement_sent", "return_label_sent"],
        "refund": ["refund_issued", "refund_status_explained", "escalated_to_seller"],
        "wrong_item": ["return_label_sent", "replacement_sent"],
        "return": ["return_label_sent", "return_window_explained"],
        "delivery_address": ["address_updated", "too_late_to_change"],
    }

    def h_bc(self, r, tk):
        d = self.day_of(tk.t)
        vip = tk.cust in self.vip_set
        wait = lognorm_ms(r, 18 * (1.9 if self.peak[d] else 1.0)) + 30 * MS_S
        pool = "bc2" if ((vip and r.random() < 0.6) or r.random() < 0.14) else "bc1"
        if vip and r.random() < 0.2:
            pool = "bclead"
        if pool != "bc1" and not self.on_duty(pool, tk.t + wait):
            pool = "bc1"
        got = self.route(r, pool, tk.t + wait)
        if not got:
            self.sys_close(tk, r)
            return
        e, sh, t = got
        self.assign(r, e, sh, t, tk, "bc-tier1" if e.role_at(t) == "bc-agent" else "bc-tier2", lead_pool="bclead")
        t = self.work_buyer(r, e, sh, t, tk, first=True)

    def work_buyer(self, r, e, sh, t, tk, first=True, tier2=False):
        c = tk.cust
        cid = self.cust_ids[c]
        P = {"ticket": tk.id, "code": "customer_request"}
        t += r.randint(20 * MS_S, 200 * MS_S)
        if first and (tk.channel in ("phone", "email") or r.random() < 0.35):
            q, extra = self.query_for(r, c, tk.order)
            self.eact(e, sh, t, "customer.search", targets=self.search_targets(r, c, extra), purpose=P,
                      extra={"query": q})
            t += r.randint(8 * MS_S, 70 * MS_S)
        fields = list(self.BC_FIELDS.get(tk.topic, ["name", "orders"]))
        if "email" not in fields and r.random() < 0.3:
            fields.insert(1, "email")
        if "payment" in fields and not e.inhouse and r.random() < 0.3:
            self.eact(e, sh, t, "customer.view", tg("customer", cid), fields=fields, purpose=P, outcome="denied",
                      extra={"deny_reason": "field_restricted"})
            fields = [f for f in fields if f != "payment"]
            t += r.randint(5 * MS_S, 30 * MS_S)
        if tier2 and "account" not in fields:
            fields.append("account")
        p2 = P
        if r.random() < 0.025:
            p2 = {"code": "customer_request", "reason": "inbound call"}
        self.eact(e, sh, t, "customer.view", tg("customer", cid), fields=fields, purpose=p2)
        e.handled.append((t, tk.id, c, tk.seller, "customer_request"))
        if tk.order is not None:
            t += r.randint(15 * MS_S, 120 * MS_S)
            oi = tk.order
            self.eact(e, sh, t, "order.view", tg("order", self.o_id[oi]), purpose=P,
                      extra={"customer": cid, "seller": self.sel_ids[self.o_s[oi]]})
        for _ in range(r.choice([0, 0, 1, 1, 2])):
            od = self.cust_orders.get(c)
            if od:
                oi = od[r.randrange(len(od))]
                if self.o_t[oi] < t:
                    t += r.randint(10 * MS_S, 60 * MS_S)
                    self.eact(e, sh, t, "order.view", tg("order", self.o_id[oi]), purpose=P,
                              extra={"customer": cid, "seller": self.sel_ids[self.o_s[oi]]})
        if r.random() < 0.35:
            t += r.randint(30 * MS_S, 240 * MS_S)
            f2 = r.choice([["address", "phone"], ["payment"] if e.inhouse else ["orders"], ["email", "account"],
                           ["orders", "reviews"]])
            self.eact(e, sh, t, "customer.view", tg("customer", cid), fields=f2, purpose=P)
        t += r.randint(60 * MS_S, 600 * MS_S)
        # special flows
        if tk.topic == "review_removed":
            return self.flow_review_complaint(r, e, sh, t, tk)
        if tk.topic == "takeover" and not tier2:
            return self.escalate(r, e, sh, t, tk, "suspected_takeover")
        if tk.topic == "takeover" and tier2:
            return self.flow_takeover(r, e, sh, t, tk)
        vip = c in self.vip_set
        if first and not tier2 and r.random() < (0.35 if vip else 0.06):
            return self.escalate(r, e, sh, t, tk, "customer_requested_supervisor" if not vip else "vip")
        res = r.choice(self.BC_RES.get(tk.topic, ["info_provided", "resolved", "no_action_needed"]))
        self.close(e, sh, t, tk, res)
        if first and r.random() < 0.04:
            tr = t + r.randint(20 * MS_H, 96 * MS_H)
            if tr < self.end:
                self.out.emit(tr, {"type": "customer", "id": cid}, "x.ticket.reopen", tg("ticket", tk.id),
                              attrs={"channel": tk.channel or "chat"}, src="helm")
                got = self.route(r, "bc1", tr + lognorm_ms(r, 25))
                if got:
                    e2, sh2, t2 = got
                    self.assign(r, e2, sh2, t2, tk, "bc-reopened")
                    self.work_buyer(r, e2, sh2, t2, tk, first=False)
        return t

    def escalate(self, r, e, sh, t, tk, why):
        self.eact(e, sh, t, "x.ticket.escalate", tg("ticket", tk.id), extra={"to": "bc-tier2", "why": why})
        got = self.route(r, "bc2", t + lognorm_ms(r, 50) + MS_M, exclude=e)
        if not got:
            self.sys_close(tk, r)
            return t
        e2, sh2, t2 = got
        self.assign(r, e2, sh2, t2, tk, "bc-tier2", lead_pool="bclead")
        return self.work_buyer(r, e2, sh2, t2, tk, first=False, tier2=True)

    def flow_takeover(self, r, e, sh, t, tk):
        cid = self.cust_ids[tk.cust]
        P = {"ticket": tk.id, "code": "customer_request"}
        if r.random() < 0.6 and tk.cust not in self.cust_susp:
            self.eact(e, sh, t, "account.suspend", tg("customer", cid), purpose=P,
                      extra={"reason": "fraud", "note": "ato_suspected"})
            self.cust_susp[tk.cust] = t
            # customer passes identity verification, account restored
            t2 = t + r.randint(18 * MS_H, 70 * MS_H)
            sh2 = self.next_shift(e, t2)
            if sh2 is not None and sh2[0] < self.end:
                t3 = max(t2, sh2[0] + r.randint(5 * MS_M, 60 * MS_M))
                if t3 < sh2[1]:
                    self.eact(e, sh2, t3, "account.reactivate", tg("customer", cid), purpose=P,
                              extra={"appeal": tk.id, "note": "identity_verified"})
                    self.close(e, sh2, t3 + r.randint(1 * MS_M, 5 * MS_M), tk, "account_restored")
                    return t3
            self.close(e, sh, t + r.randint(2 * MS_M, 8 * MS_M), tk, "account_locked_pending_kyc")
            return t
        self.close(e, sh, t, tk, "credentials_reset")
        return t

    def flow_review_complaint(self, r, e, sh, t, tk):
        """customer says their review disappeared: forwarded to a moderation lead."""
        got = self.route(r, "modlead", t + lognorm_ms(r, 120) + MS_M)
        if not got:
            self.close(e, sh, t, tk, "forwarded_no_owner")
            return t
        m, msh, mt = got
        self.eact(e, sh, t, "ticket.assign", tg("ticket", tk.id),
                  extra={"assignee": m.id, "queue": "tns-complaints"})
        ri = tk.review
        P = {"ticket": tk.id, "code": "quality_review"}
        mt += r.randint(1 * MS_M, 10 * MS_M)
        self.eact(m, msh, mt, "customer.view", tg("customer", self.cust_ids[tk.cust]), fields=["reviews", "account"],
                  purpose=P)
        mt += r.randint(1 * MS_M, 8 * MS_M)
        dt_ = self.rdel.get(ri)
        if tk.plan and tk.plan.get("restore") and dt_ is not None and dt_ < mt - MS_M and ri not in self.restored:
            self.eact(m, msh, mt, "review.restore", tg("review", self.r_id[ri]), purpose=P,
                      extra={"reason": "complaint_upheld"})
            self.restored[ri] = mt
            self.close(m, msh, mt + MS_M, tk, "review_restored")
        else:
            self.close(m, msh, mt + MS_M, tk, "removal_upheld" if dt_ is not None else "no_removal_found")
        return mt

    def h_sc(self, r, tk):
        s = tk.seller
        t0 = tk.t + lognorm_ms(r, 70) + MS_M
        got = None
        cover_for = None
        kam = self.kam_of.get(s)
        if kam is not None:
            sh = self.shift_at(kam, t0)
            if sh is not None and not sh[4] and t0 < sh[1] - 12 * MS_M and (kam.leave_t is None or t0 < kam.leave_t):
                got = (kam, sh, t0)
            else:
                d = self.day_of(t0)
                cv = self.cover_of.get(kam.idx)
                if cv is not None and d in kam.vac:
                    sh = self.next_shift(cv, t0)
                    if sh is not None and sh[0] - t0 < 20 * MS_H:
                        got = (cv, sh, max(t0, sh[0] + r.randint(3 * MS_M, 40 * MS_M)))
                        cover_for = kam
                        self.coverage_count[(kam.id, cv.id)] += 1
        if got is None and r.random() < 0.07:
            got = self.route(r, "sclead", t0, max_hours=2)
        if got is None:
            got = self.route(r, "sc", t0)
        if got is None:
            self.sys_close(tk, r)
            return
        e, sh, t = got
        queue = {"sc-kam": "kam", "sc-lead": "seller-care-escalations"}.get(e.role_at(t), "seller-care")
        extra = {"covering_for": cover_for.id} if cover_for else None
        self.assign(r, e, sh, t, tk, queue, lead_pool=None if kam else "sclead", extra=extra)
        P = {"ticket": tk.id, "code": "seller_request"}
        sid = self.sel_ids[s]
        t += r.randint(30 * MS_S, 240 * MS_S)
        e.handled.append((t, tk.id, tk.cust, s, "seller_request"))
        if tk.kind == "order_issue" and tk.order is not None:
            oi = tk.order
            cid = self.cust_ids[self.o_c[oi]]
            self.eact(e, sh, t, "order.view", tg("order", self.o_id[oi]), purpose=P,
                      extra={"customer": cid, "seller": sid})
            if r.random() < 0.45:
                t += r.randint(20 * MS_S, 120 * MS_S)
                self.eact(e, sh, t, "customer.view", tg("customer", cid), fields=["name", "address", "orders"],
                          purpose=P)
            for _ in range(r.choice([0, 0, 0, 1, 2, 3])):
                oj = self.recent_seller_order(r, s, t, window=60)
                if oj is not None:
                    t += r.randint(10 * MS_S, 60 * MS_S)
                    self.eact(e, sh, t, "order.view", tg("order", self.o_id[oj]), purpose=P,
                              extra={"customer": self.cust_ids[self.o_c[oj]], "seller": sid})
            res = r.choice(["refund_authorised", "return_accepted", "claim_rejected", "buyer_contacted",
                            "info_provided"])
        elif tk.kind == "review_dispute" and tk.review is not None:
            ri = tk.review
            if r.random() < 0.3:
                self.eact(e, sh, t, "customer.view", tg("customer", self.cust_ids[self.r_c[ri]]),
                          fields=["reviews"], purpose=P)
                t += r.randint(20 * MS_S, 90 * MS_S)
            got2 = self.route(r, "mod", t + lognorm_ms(r, 200) + MS_M, exclude=e)
            if got2 is None:
                self.close(e, sh, t + MS_M, tk, "no_violation_found")
                return
            m, msh, mt = got2
            self.eact(e, sh, t, "ticket.assign", tg("ticket", tk.id),
                      extra={"assignee": m.id, "queue": "tns-disputes"})
            mt += r.randint(2 * MS_M, 15 * MS_M)
            P2 = {"ticket": tk.id, "code": "quality_review"}
            if tk.plan.get("delete") and ri not in self.rdel and mt > self.r_t[ri]:
                self.eact(m, msh, mt, "review.delete", tg("review", self.r_id[ri]), purpose=P2,
                          extra={"reason": r.choice(["off_topic", "abuse", "seller_request", "other"])})
                self.rdel[ri] = mt
                self.close(m, msh, mt + MS_M, tk, "review_removed")
            else:
                self.close(m, msh, mt + MS_M, tk, "no_violation_found")
            return
        elif tk.kind == "account":
            if r.random() < 0.3:
                oj = self.recent_seller_order(r, s, t, window=100)
                if oj is not None:
                    self.eact(e, sh, t, "order.view", tg("order", self.o_id[oj]), purpose=P,
                              extra={"customer": self.cust_ids[self.o_c[oj]], "seller": sid})
            res = r.choice(["payout_released", "documents_requested", "verified", "info_provided"])
        else:
            res = "advised_appeal_form" if self.banned_at(s, t) else r.choice(["info_provided", "settings_fixed",
                                                                               "resolved"])
        t += r.randint(60 * MS_S, 500 * MS_S)
        self.close(e, sh, t, tk, res)

    def h_mod(self, r, tk):
        got = self.route(r, "mod", tk.t + lognorm_ms(r, 150) + MS_M)
        if not got:
            self.sys_close(tk, r)
            return
        e, sh, t = got
        self.assign(r, e, sh, t, tk, "tns-flags", lead_pool="modlead")
        P = {"ticket": tk.id, "code": "quality_review"}
        ri = tk.review
        e.handled.append((t, tk.id, tk.cust, tk.seller, "quality_review"))
        t += r.randint(20 * MS_S, 180 * MS_S)
        if r.random() < 0.35:
            self.eact(e, sh, t, "customer.view", tg("customer", self.cust_ids[self.r_c[ri]]),
                      fields=["reviews", "account"], purpose=P)
            t += r.randint(20 * MS_S, 120 * MS_S)
        if tk.plan.get("delete") and ri not in self.rdel:
            self.eact(e, sh, t, "review.delete", tg("review", self.r_id[ri]), purpose=P,
                      extra={"reason": r.choices(["spam", "abuse", "off_topic"], [50, 30, 20])[0]})
            self.rdel[ri] = t
            self.close(e, sh, t + r.randint(5 * MS_S, 40 * MS_S), tk, "removed")
        else:
            self.close(e, sh, t + r.randint(5 * MS_S, 40 * MS_S), tk, "kept")

    def h_risk(self, r, tk):
        got = self.route(r, "risk", tk.t + lognorm_ms(r, 240) + MS_M)
        if not got:
            self.sys_close(tk, r)
            return
        e, sh, t = got
        self.assign(r, e, sh, t, tk, "risk-triage", lead_pool="risklead")
        P = {"ticket": tk.id, "code": "fraud_investigation"}
        t += r.randint(1 * MS_M, 10 * MS_M)
        e.handled.append((t, tk.id, tk.cust, tk.seller, "fraud_investigation"))
        if tk.seller is not None:
            s = tk.seller
            sid = self.sel_ids[s]
            if tk.cust is not None:
                self.eact(e, sh, t, "customer.view", tg("customer", self.cust_ids[tk.cust]),
                          fields=["name", "email", "orders"], purpose=P)
                t += r.randint(1 * MS_M, 5 * MS_M)
            buyers = []
            for _ in range(r.randint(5, 25)):
                oj = self.recent_seller_order(r, s, t, window=300)
                if oj is not None and self.cust_ids[self.o_c[oj]] not in buyers:
                    buyers.append(self.cust_ids[self.o_c[oj]])
            if buyers:
                self.eact(e, sh, t, "customer.search", targets=buyers, purpose=P,
                          extra={"query": f"case:{tk.id} seller:{sid} window:30d"})
            for _ in range(r.randint(3, 8)):
                oj = self.recent_seller_order(r, s, t, window=300)
                if oj is None:
                    break
                t += r.randint(20 * MS_S, 150 * MS_S)
                self.eact(e, sh, t, "order.view", tg("order", self.o_id[oj]), purpose=P,
                          extra={"customer": self.cust_ids[self.o_c[oj]], "seller": sid})
                if r.random() < 0.4:
                    t += r.randint(10 * MS_S, 60 * MS_S)
                    self.eact(e, sh, t, "customer.view", tg("customer", self.cust_ids[self.o_c[oj]]),
                              fields=["name", "address", "orders"], purpose=P)
            if (r.random() < 0.05 and s not in self.protected_sellers and not self.banned_at(s, t)
                    and s not in self.suspended_sellers):
                t += r.randint(2 * MS_M, 15 * MS_M)
                self.eact(e, sh, t, "account.suspend", tg("seller", sid), purpose=P,
                          extra={"reason": r.choice(["fraud", "counterfeit"])})
                self.suspended_sellers.add(s)
                res = "seller_suspended"
            else:
                res = r.choice(["no_fraud_found", "monitoring", "buyer_refunded"])
        else:
            c = tk.cust
            cid = self.cust_ids[c]
            self.eact(e, sh, t, "customer.view", tg("customer", cid), fields=["account", "orders", "payment"],
                      purpose=P)
            t += r.randint(1 * MS_M, 6 * MS_M)
            self.eact(e, sh, t, "customer.search", targets=self.search_targets(r, c, r.randint(1, 5)), purpose=P,
                      extra={"query": f"device:{(c * 40503) & 0xffffff:06x}"})
            res = "no_fraud_found"
            if r.random() < 0.25 and c not in self.cust_susp:
                t += r.randint(2 * MS_M, 10 * MS_M)
                self.eact(e, sh, t, "account.suspend", tg("customer", cid), purpose=P,
                          extra={"reason": "fraud"})
                self.cust_susp[c] = t
                res = "buyer_suspended"
        t += r.randint(2 * MS_M, 20 * MS_M)
        self.close(e, sh, t, tk, res)

    def h_kyc(self, r, tk):
        plan = tk.plan
        s = tk.seller
        sid = self.sel_ids[s]
        if plan.get("kyc"):
            got = self.route(r, "int", tk.t + lognorm_ms(r, 90) + MS_M)
            if not got:
                return
            e, sh, t = got
            self.assign(r, e, sh, t, tk, "seller-kyc")
            t += r.randint(2 * MS_M, 15 * MS_M)
            self.eact(e, sh, t, "x.seller.kyc_review", tg("seller", sid), purpose={"ticket": tk.id, "code": "quality_review"},
                      extra={"check": "documents_expired"})
            t += r.randint(MS_M, 8 * MS_M)
            if s in self.suspended_sellers or self.banned_at(s, t):
                self.close(e, sh, t, tk, "already_restricted")
                return
            self.eact(e, sh, t, "account.suspend", tg("seller", sid), purpose={"ticket": tk.id, "code": "quality_review"},
                      extra={"reason": "policy", "note": "kyc_documents_expired"})
            plan["susp_t"] = t
            self.close(e, sh, t + r.randint(MS_M, 5 * MS_M), tk, "suspended_pending_documents")
            return
        base = plan["kyc_followup"]
        got = self.route(r, "int", tk.t + lognorm_ms(r, 300) + MS_M)
        if not got:
            return
        e, sh, t = got
        self.assign(r, e, sh, t, tk, "seller-kyc")
        e.handled.append((t, tk.id, None, s, "seller_request"))
        t += r.randint(3 * MS_M, 20 * MS_M)
        P = {"ticket": tk.id, "code": "seller_request"}
        self.eact(e, sh, t, "x.seller.kyc_review", tg("seller", sid), purpose=P, extra={"check": "documents_uploaded"})
        t += r.randint(2 * MS_M, 10 * MS_M)
        if base.get("susp_t") is not None and base["susp_t"] < t - MS_M and not base.get("done"):
            self.eact(e, sh, t, "account.reactivate", tg("seller", sid), purpose=P, extra={"appeal": tk.id})
            base["done"] = True
            self.kyc_reactivations += 1
            self.close(e, sh, t + r.randint(MS_M, 5 * MS_M), tk, "documents_accepted")
        else:
            self.close(e, sh, t + r.randint(MS_M, 5 * MS_M), tk, "no_restriction_found")

    def h_int(self, r, tk):
        plan = tk.plan or {}
        if plan.get("owner"):
            return
        if plan.get("kyc") or plan.get("kyc_followup"):
            return self.h_kyc(r, tk)
        got = self.route(r, "int", tk.t + lognorm_ms(r, 600) + MS_M)
        if not got:
            self.sys_close(tk, r)
            return
        e, sh, t = got
        self.assign(r, e, sh, t, tk, "seller-appeals")
        P = {"ticket": tk.id, "code": "seller_request"}
        s = tk.seller
        sid = self.sel_ids[s]
        e.handled.append((t, tk.id, None, s, "seller_request"))
        for _ in range(r.randint(1, 5)):
            oj = self.recent_seller_order(r, s, t, window=200)
            if oj is None:
                break
            t += r.randint(30 * MS_S, 200 * MS_S)
            self.eact(e, sh, t, "order.view", tg("order", self.o_id[oj]), purpose=P,
                      extra={"customer": self.cust_ids[self.o_c[oj]], "seller": sid})
        t += r.randint(3 * MS_M, 20 * MS_M)
        if plan.get("decision") == "reinstate":
            got2 = self.route(r, "intmgr", t + r.randint(5 * MS_M, 60 * MS_M), exclude=e)
            if got2 is None:
                self.close(e, sh, t, tk, "pending_approval_expired")
                return
            m, msh, mt = got2
            apv = self.new_apv(r)
            self.eact(m, msh, mt, "x.approval.grant", tg("ticket", tk.id),
                      extra={"approval": apv, "for_action": "account.reactivate", "subject": sid,
                             "requested_by": e.id})
            ta = mt + r.randint(3 * MS_M, 30 * MS_M)
            esh = sh if ta < sh[1] else self.next_shift(e, ta)
            who = e
            if esh is None:
                who, esh = m, msh
            else:
                ta = max(ta, esh[0] + r.randint(3 * MS_M, 30 * MS_M))
            self.eact(who, esh, ta, "account.reactivate", tg("seller", sid),
                      purpose={"ticket": tk.id, "code": "seller_request", "approval": apv},
                      extra={"appeal": tk.id})
            self.approvals.append((mt, apv, sid, tk.id))
            self.close(who, esh, ta + r.randint(1 * MS_M, 5 * MS_M), tk, "reinstated")
        else:
            self.close(e, sh, t, tk, r.choice(["appeal_denied", "appeal_denied", "insufficient_evidence"]))

    def h_priv(self, r, tk):
        got = self.route(r, "priv", tk.t + lognorm_ms(r, 900) + MS_M)
        if not got:
            self.sys_close(tk, r)
            return
        e, sh, t = got
        self.assign(r, e, sh, t, tk, "privacy-requests")
        P = {"ticket": tk.id, "code": "legal"}
        cid = self.cust_ids[tk.cust]
        t += r.randint(2 * MS_M, 15 * MS_M)
        self.eact(e, sh, t, "customer.view", tg("customer", cid),
                  fields=["name", "email", "phone", "address", "orders", "reviews", "account"], purpose=P)
        t += r.randint(2 * MS_M, 20 * MS_M)
        if tk.topic == "data_access":
            self.eact(e, sh, t, "customer.export", targets=[cid], purpose=P,
                      extra={"format": "json", "request": "dsar"})
            res = "data_package_sent"
        else:
            self.eact(e, sh, t, "x.customer.erasure", tg("customer", cid), purpose=P,
                      extra={"scope": "account_and_reviews", "status": "scheduled"})
            res = "erasure_scheduled"
        self.close(e, sh, t + r.randint(2 * MS_M, 10 * MS_M), tk, res)

    # ------------------------------------------------------------ KAM portfolio
    def plan_kams(self):
        r = rng_for(self.seed, "kam")
        self.kam_of = {}
        self.cover_of = {}
        self.coverage_count = Counter()
        kams = [e for e in self.emps if e.periods[0][1] == "sc-kam" and e.hire_day is None]
        if not kams:
            return
        top = self.by_rank[:max(3 * len(kams), round(self.S * 0.02))]
        for i, s in enumerate(top):
            k = kams[i % len(kams)]
            self.kam_of[s] = k
            k.kam_sellers.append(s)
        for k in kams:
            if not k.vac:
                continue
            others = [x for x in kams if x is not k]
            if not others:
                others = [x for x in self.emps if x.inhouse and x.periods[0][1] == "sc-agent" and x.leave_day is None
                          and x.hire_day is None and x.site == k.site] or \
                         [x for x in self.emps if x.periods[0][1] == "sc-agent" and x.leave_day is None]
            if others:
                self.cover_of[k.idx] = r.choice(others)

    # ------------------------------------------------------------- look-alikes
    def emit_sweeps(self, r):
        for sw in self.sweeps:
            tk = sw["ticket"]
            s = sw["seller"]
            sid = self.sel_ids[s]
            got = self.route(r, "risk", tk.t + r.randint(30 * MS_M, 240 * MS_M))
            if not got:
                continue
            e, sh, t = got
            self.assign(r, e, sh, t, tk, "risk-cases")
            P = {"ticket": tk.id, "code": "fraud_investigation"}
            seen = {}
            for oi in reversed(self.sel_orders.get(s, [])):
                if self.o_t[oi] < tk.t and self.o_t[oi] > tk.t - 60 * MS_D and self.o_c[oi] not in seen:
                    seen[self.o_c[oi]] = oi
            buyers = list(seen.items())
            r.shuffle(buyers)
            V = min(len(buyers), max(40, int(len(buyers) * 0.8)), 350)
            buyers = buyers[:V]
            workers = [[e, sh, t + r.randint(5 * MS_M, 30 * MS_M)]]
            got2 = self.route(r, "risk", t + r.randint(60 * MS_M, 300 * MS_M), exclude=e)
            if got2 and r.random() < 0.6 and len(buyers) > 80:
                self.eact(e, sh, t + MS_M, "ticket.assign", tg("ticket", tk.id),
                          extra={"assignee": got2[0].id, "queue": "risk-cases", "role_in_case": "second"})
                workers.append([got2[0], got2[1], got2[2]])
            viewed = 0
            k = 0
            last = (e, sh, t)
            while k < len(buyers) and workers:
                w = min(workers, key=lambda x: x[2])
                we, wsh, wt = w
                if wt >= wsh[1] - 10 * MS_M:
                    nsh = self.next_shift(we, wsh[1] + MS_M)
                    if nsh is None or nsh[0] > tk.t + 6 * MS_D:
                        workers.remove(w)
                        continue
                    w[1], w[2] = nsh, nsh[0] + r.randint(10 * MS_M, 40 * MS_M)
                    continue
                chunk = buyers[k:k + r.randint(25, 60)]
                k += len(chunk)
                self.eact(we, wsh, wt, "customer.search", targets=[self.cust_ids[c] for c, _ in chunk], purpose=P,
                          extra={"query": f"case:{tk.id} seller:{sid} buyers window:60d page:{k // 50 + 1}"})
                for c, oi in chunk:
                    wt += r.randint(40 * MS_S, 200 * MS_S)
                    if r.random() < 0.5:
                        self.eact(we, wsh, wt, "order.view", tg("order", self.o_id[oi]), purpose=P,
                                  extra={"customer": self.cust_ids[c], "seller": sid})
                        wt += r.randint(10 * MS_S, 60 * MS_S)
                    self.eact(we, wsh, wt, "customer.view", tg("customer", self.cust_ids[c]),
                              fields=["name", "address", "orders", "payment"], purpose=P)
                    viewed += 1
                w[2] = wt
                last = (we, wsh, wt)
            we, wsh, wt = last
            wt += r.randint(10 * MS_M, 40 * MS_M)
            if buyers and r.random() < 0.7:
                ev_list = [self.cust_ids[c] for c, _ in buyers]
                parts = [ev_list[i:i + 800] for i in range(0, len(ev_list), 800)]
                for k2, part in enumerate(parts):
                    wt += r.randint(20 * MS_S, 60 * MS_S)
                    extra = {"format": "csv", "request": "evidence_pack"}
                    if len(parts) > 1:
                        extra.update({"batch": f"case-{tk.id}", "part": k2 + 1, "parts": len(parts)})
                    self.eact(we, wsh, wt, "customer.export", targets=part, purpose=P, extra=extra)
            self.eact(we, wsh, wt, "account.suspend", tg("seller", sid), purpose=P,
                      extra={"reason": "fraud", "case": tk.id})
            self.out.emit(wt + r.randint(16 * MS_H, 30 * MS_H), self.sys_actor("enforcement-svc"), "account.ban",
                          tg("seller", sid), attrs={"reason": "fraud", "rule": "RISK-CASE", "case": tk.id}, src="mkt")
            self.close(we, wsh, wt + r.randint(5 * MS_M, 30 * MS_M), tk, "seller_suspended")
            self.lookalikes.append({"kind": "fraud_sweep", "employees": sorted({x.id for x in [e] + ([got2[0]] if got2 and len(workers) > 1 else [])}),
                                    "seller": sid, "ticket": tk.id, "buyers_viewed": viewed,
                                    "story": "open fraud case (fake-order ring): investigator(s) review most buyers of one seller over several shifts, then suspend it"})

    def emit_bombs(self, r):
        for lb in self.bomb_plans:
            tk = lb["ticket"]
            s = lb["seller"]
            sid = self.sel_ids[s]
            got = self.route(r, "modlead", tk.t + r.randint(20 * MS_M, 120 * MS_M))
            if not got:
                continue
            e, sh, t = got
            self.assign(r, e, sh, t, tk, "tns-incidents")
            P = {"ticket": tk.id, "code": "quality_review"}
            workers = [[e, sh, t + r.randint(5 * MS_M, 20 * MS_M)]]
            for _ in range(2):
                g = self.route(r, "mod", t + r.randint(10 * MS_M, 40 * MS_M), exclude=e)
                if g and all(g[0] is not w[0] for w in workers):
                    self.eact(e, sh, t + r.randint(1 * MS_M, 5 * MS_M), "ticket.assign", tg("ticket", tk.id),
                              extra={"assignee": g[0].id, "queue": "tns-incidents", "role_in_case": "helper"})
                    workers.append([g[0], g[1], g[2] + r.randint(5 * MS_M, 15 * MS_M)])
            deleted = 0
            who = set()
            for ri in lb["reviews"]:
                if ri in self.rdel:
                    continue
                while workers:
                    w = min(workers, key=lambda x: x[2])
                    we, wsh, wt = w
                    tt = max(wt, self.r_t[ri] + r.randint(3 * MS_M, 40 * MS_M)) + r.randint(15 * MS_S, 80 * MS_S)
                    if tt >= wsh[1] - 5 * MS_M:
                        nsh = self.next_shift(we, tt)
                        if nsh is None or nsh[0] > tk.t + 5 * MS_D:
                            workers.remove(w)
                            continue
                        w[1], w[2] = nsh, nsh[0] + r.randint(5 * MS_M, 30 * MS_M)
                        continue
                    if r.random() < 0.2:
                        self.eact(we, wsh, tt, "customer.view", tg("customer", self.cust_ids[self.r_c[ri]]),
                                  fields=["reviews", "account"], purpose=P)
                        tt += r.randint(10 * MS_S, 40 * MS_S)
                    self.eact(we, wsh, tt, "review.delete", tg("review", self.r_id[ri]), purpose=P,
                              extra={"reason": "spam", "campaign": f"bomb-{sid}"})
                    self.rdel[ri] = tt
                    w[2] = tt
                    deleted += 1
                    who.add(we.id)
                    break
            e0, sh0, t0 = workers[0] if workers else (e, sh, t)
            self.close(e0, sh0, t0 + r.randint(5 * MS_M, 30 * MS_M), tk, "coordinated_attack_removed")
            self.lookalikes.append({"kind": "review_bomb_cleanup", "employees": sorted(who), "seller": sid,
                                    "ticket": tk.id, "reviews_planted": len(lb["reviews"]), "reviews_deleted": deleted,
                                    "story": "1-star flood from throw-away accounts on one seller; a moderation lead and helpers delete all of it within hours"})

    def emit_reversal(self, r):
        rv = self.reversal
        if not rv:
            return
        m, sh, t = rv["manager"], rv["shift"], rv["t"]
        inc = rv["incident"]
        P0 = {"ticket": inc.id, "code": "quality_review"}
        ta0 = max(inc.t + 5 * MS_M, sh[0] + 2 * MS_M)
        self.eact(m, sh, ta0, "ticket.assign", tg("ticket", inc.id), extra={"assignee": m.id, "queue": "integrity-incidents"})
        appr = None
        for pool in ("intmgr", "risklead", "counsel"):
            g = self.route(r, pool, ta0 + 10 * MS_M, exclude=m, max_hours=6)
            if g:
                appr = g
                break
        apv = self.new_apv(r)
        if appr:
            ae, ash, at = appr
            self.eact(ae, ash, at, "x.approval.grant", tg("ticket", inc.id),
                      extra={"approval": apv, "for_action": "account.reactivate", "subject": f"rule:{rv['rule']}",
                             "requested_by": m.id, "count": len(rv["items"])})
            t = max(t, at + r.randint(5 * MS_M, 20 * MS_M))
            self.approvals.append((at, apv, f"rule:{rv['rule']}", inc.id))
        if t >= sh[1] - 30 * MS_M:
            nsh = self.next_shift(m, t)
            if nsh is not None:
                sh = nsh
                t = max(t, sh[0] + 10 * MS_M)
        n = 0
        for it in rv["items"]:
            t += r.randint(15 * MS_S, 80 * MS_S)
            sid = self.sel_ids[it["seller"]]
            extra = {"bulk_reversal": rv["rule"]}
            if it["appeal"] is not None:
                extra["appeal"] = it["appeal"].id
            pur = {"ticket": inc.id, "code": "quality_review", "reason": f"rule {rv['rule']} false positive"}
            if appr:
                pur["approval"] = apv
            if self.eact(m, sh, t, "account.reactivate", tg("seller", sid), purpose=pur, extra=extra):
                n += 1
            if it["appeal"] is not None:
                t += r.randint(5 * MS_S, 30 * MS_S)
                self.close(m, sh, t, it["appeal"], "reinstated_rule_reversal")
        self.close(m, sh, t + r.randint(2 * MS_M, 10 * MS_M), inc, "rule_rolled_back")
        self.lookalikes.append({"kind": "policy_reversal", "employees": [m.id], "rule": rv["rule"],
                                "sellers_reinstated": n, "ticket": inc.id,
                                "approver": appr[0].id if appr else None,
                                "story": "auto-ban rule misfired on counterfeit keywords; an integrity manager reinstates every affected seller in one sitting under one approval"})

    def emit_regulator(self, r):
        rg = self.regulator
        if not rg:
            return
        tk = rg["ticket"]
        s = rg["seller"]
        sid = self.sel_ids[s]
        g = self.route(r, "counsel", tk.t + r.randint(4 * MS_H, 30 * MS_H))
        if not g:
            return
        ce, csh, ct = g
        self.eact(ce, csh, ct, "ticket.assign", tg("ticket", tk.id), extra={"assignee": ce.id, "queue": "legal"})
        apv = self.new_apv(r)
        ct += r.randint(10 * MS_M, 60 * MS_M)
        self.eact(ce, csh, ct, "x.approval.grant", tg("ticket", tk.id),
                  extra={"approval": apv, "for_action": "customer.export", "subject": f"buyers:{sid}",
                         "requested_by": "legal-intake"})
        g2 = self.route(r, "priv", ct + r.randint(2 * MS_H, 24 * MS_H), exclude=ce)
        if not g2:
            return
        e, sh, t = g2
        self.eact(ce, csh, ct + MS_M, "ticket.assign", tg("ticket", tk.id), extra={"assignee": e.id, "queue": "legal"})
        custs = []
        seen = set()
        for oi in self.sel_orders.get(s, []):
            if self.o_t[oi] < t and self.o_c[oi] not in seen:
                seen.add(self.o_c[oi])
                custs.append(self.cust_ids[self.o_c[oi]])
        P = {"ticket": tk.id, "code": "legal", "approval": apv}
        parts = [custs[i:i + 800] for i in range(0, len(custs), 800)]
        t += r.randint(10 * MS_M, 40 * MS_M)
        for k, part in enumerate(parts):
            t += r.randint(20 * MS_S, 90 * MS_S)
            self.eact(e, sh, t, "customer.export", targets=part, purpose=P,
                      extra={"format": "csv", "request": "regulator", "batch": f"exp-{tk.id}",
                             "part": k + 1, "parts": len(parts)})
        self.close(e, sh, t + r.randint(5 * MS_M, 30 * MS_M), tk, "delivered_to_regulator")
        self.approvals.append((ct, apv, f"buyers:{sid}", tk.id))
        self.lookalikes.append({"kind": "regulator_export", "employees": [e.id], "approver": ce.id, "seller": sid,
                                "ticket": tk.id, "customers_exported": len(custs),
                                "story": "consumer-protection authority asks for every buyer of one seller; counsel approves, a privacy analyst exports them in batches"})

    def emit_incidents(self, r):
        engs = [e for e in self.emps if e.dept == "eng"]
        for inc in self.incidents:
            tk = inc["ticket"]
            cands = [e for e in engs if (e.hire_t is None or e.hire_t < tk.t - 10 * MS_D)
                     and (e.leave_t is None or e.leave_t > tk.t + 2 * MS_D)]
            sres = [e for e in cands if e.periods[0][1] == "sre"] or cands
            if not sres:
                continue
            e = r.choice(sres)
            sh = self.shift_at(e, tk.t)
            t = tk.t + r.randint(8 * MS_M, 30 * MS_M)
            if sh is None or t >= sh[1] - 30 * MS_M:
                net = SITES[e.site]["net"]
                ip = f"100.{64 + net % 50}.{r.randint(0, 255)}.{r.randint(2, 254)}"
                sess = f"{r.getrandbits(32):08x}"
                sh = (t - MS_M, t + 4 * MS_H, ip, sess, False, True, self.day_of(t))
                self.out.emit(t - 2 * MS_M, e.actor_at(t), "auth.login",
                              attrs={"tool": "sso", "ip": ip, "device": e.device, "session": sess, "mfa": "push"})
            self.assign(r, e, sh, t, tk, "incident-oncall")
            P = {"ticket": tk.id, "code": "break_glass", "reason": "payment capture failures"}
            lo = bisect.bisect_left(self.o_t, tk.t - 8 * MS_H)
            hi = bisect.bisect_left(self.o_t, tk.t)
            n = min(hi - lo, r.randint(15, 60))
            picked = r.sample(range(lo, hi), n) if n > 0 else []
            custs = set()
            for oi in picked:
                t += r.randint(30 * MS_S, 150 * MS_S)
                cid = self.cust_ids[self.o_c[oi]]
                self.eact(e, sh, t, "order.view", tg("order", self.o_id[oi]), purpose=P,
                          extra={"customer": cid, "seller": self.sel_ids[self.o_s[oi]]}, tool="prod-console")
                if r.random() < 0.6:
                    t += r.randint(10 * MS_S, 60 * MS_S)
                    self.eact(e, sh, t, "customer.view", tg("customer", cid), fields=["orders", "payment"], purpose=P,
                              tool="prod-console")
                custs.add(cid)
            self.close(e, sh, t + r.randint(20 * MS_M, 90 * MS_M), tk, "mitigated")
            self.lookalikes.append({"kind": "break_glass_incident", "employees": [e.id], "ticket": tk.id,
                                    "customers_touched": len(custs),
                                    "story": "on-call engineer paged (often at night, from home VPN) opens orders and payment data of affected buyers under break_glass"})

    def emit_reports(self, r):
        n = 0
        for e, sh, tk in self.report_jobs:
            t = max(sh[0] + r.randint(20 * MS_M, 300 * MS_M), tk.t + MS_M)
            if t >= sh[1] - 15 * MS_M:
                continue
            s = tk.seller
            sid = self.sel_ids[s]
            self.eact(e, sh, t, "ticket.assign", tg("ticket", tk.id), extra={"assignee": e.id, "queue": "seller-reports"})
            days_back = r.choice([30, 30, 31, 14])
            seen = {}
            for oi in reversed(self.sel_orders.get(s, [])):
                if self.o_t[oi] >= t:
                    continue
                if self.o_t[oi] < t - days_back * MS_D:
                    break
                seen[self.cust_ids[self.o_c[oi]]] = 1
            custs = list(seen)
            if not custs:
                self.close(e, sh, t + r.randint(MS_M, 5 * MS_M), tk, "no_orders_in_period")
                continue
            P = {"ticket": tk.id, "code": "seller_request"}
            e.handled.append((t, tk.id, None, s, "seller_request"))
            parts = [custs[i:i + 800] for i in range(0, len(custs), 800)]
            fmt = r.choice(["csv", "xlsx"])
            kind = r.choice(["vat_invoices", "vat_invoices", "shipping_relabel", "returns_reconciliation"])
            for k, part in enumerate(parts):
                t += r.randint(20 * MS_S, 90 * MS_S)
                extra = {"format": fmt, "report": kind, "rows": len(part), "seller": sid}
                if len(parts) > 1:
                    extra.update({"batch": f"rep-{tk.id}", "part": k + 1, "parts": len(parts)})
                self.eact(e, sh, t, "customer.export", targets=part, purpose=P, extra=extra)
            self.close(e, sh, t + r.randint(2 * MS_M, 20 * MS_M), tk, "report_sent")
            n += 1
        self.lookalikes.append({"kind": "seller_report_exports", "count": n,
                                "employees": sorted({e.id for e, _, _ in self.report_jobs}),
                                "story": "KAMs and seller-care leads export a seller's recent buyers (VAT invoices, shipping re-labels) when the seller asks; routine bulk exports under seller tickets"})

    def emit_qa(self, r):
        self.closed.sort()
        ts = [x[0] for x in self.closed]
        for e in self.emps:
            for sh in e.shifts:
                if sh[4] or e.role_at(sh[0]) != "qa-analyst":
                    continue
                lo = bisect.bisect_left(ts, sh[0] - 72 * MS_H)
                hi = bisect.bisect_left(ts, sh[0])
                if hi - lo < 5:
                    continue
                n = r.randint(8, 20)
                t = sh[0] + r.randint(15 * MS_M, 40 * MS_M)
                step = max(MS_M, (sh[1] - t - 30 * MS_M) // n)
                for _ in range(n):
                    x = self.closed[r.randint(lo, hi - 1)]
                    t += r.randint(step // 2, step)
                    if t >= sh[1]:
                        break
                    self.eact(e, sh, t, "customer.view", tg("customer", self.cust_ids[x[2]]),
                              fields=["name", "orders", "account"], purpose={"ticket": x[1], "code": "quality_review"},
                              tool="qa-lens", extra={"sample": "qa-weekly"})

    # ================================================================ insiders
    def cover_purpose(self, r, ins, t, code, window=3 * MS_D, p=None):
        e = ins.emp
        p = ins.p_cover if p is None else p
        if r.random() < p:
            ts = self.handled_t[e.idx]
            j = bisect.bisect_left(ts, t - MS_S)
            lo = bisect.bisect_left(ts, t - window)
            if j > lo:
                h = e.handled[r.randint(lo, j - 1)]
                ins.story["borrowed_purposes"] = ins.story.get("borrowed_purposes", 0) + 1
                return {"ticket": h[1], "code": h[4]}
            return {"code": code}
        if r.random() < 0.5:
            return {"code": code}
        return None

    def harvest_pool(self, targets, reviewers_only_neg=False, buyers=True):
        rows = []
        for s in targets:
            if buyers:
                for oi in self.sel_orders.get(s, ()):
                    rows.append((self.o_t[oi], self.o_c[oi], oi, s))
            for ri in self.sel_reviews.get(s, ()):
                if self.r_order[ri] < 0:
                    continue
                if reviewers_only_neg and self.r_rating[ri] > 2:
                    continue
                row = (self.r_t[ri], self.r_c[ri], self.r_order[ri], s)
                rows.append(row)
                rows.append(row)
        rows.sort()
        return rows, [x[0] for x in rows]

    def harvest_one(self, r, ins, e, sh, t, rows, ts, taken, code, fieldsets, p_order=0.5, recent=3000):
        j = bisect.bisect_left(ts, t - 5 * MS_M)
        if j == 0:
            return t
        for _ in range(15):
            k = r.randint(max(0, j - recent), j - 1)
            tv, c, oi, s = rows[k]
            if c not in taken:
                break
        else:
            return t
        taken.add(c)
        cid = self.cust_ids[c]
        P = self.cover_purpose(r, ins, t, code)
        if r.random() < p_order:
            eid = self.eact(e, sh, t, "order.view", tg("order", self.o_id[oi]), purpose=P,
                            extra={"customer": cid, "seller": self.sel_ids[self.o_s[oi]]})
            ins.mark(t, eid, "order.view", [cid])
            t += r.randint(15 * MS_S, 90 * MS_S)
        eid = self.eact(e, sh, t, "customer.view", tg("customer", cid), fields=list(r.choice(fieldsets)), purpose=P)
        ins.mark(t, eid, "customer.view", [cid])
        return t

    HARVEST_FIELDS = [["name", "email", "phone", "address"], ["name", "phone", "address"],
                      ["name", "email", "phone"], ["name", "email", "address", "orders"]]
    # what a careful insider opens: the standard panels of a real ticket workflow
    CAREFUL_FIELDS = [["name", "address", "orders"], ["name", "email", "address", "orders"],
                      ["name", "address", "phone", "orders"], ["name", "email", "account"],
                      ["name", "phone", "account"], ["name", "email", "orders"]]

    def harvest_bulk(self, r, ins, e, sh, t, taken, targets, code):
        s = r.choice(targets)
        sid = self.sel_ids[s]
        ts = self.sel_order_t.get(s, [])
        j = bisect.bisect_left(ts, t)
        if j < 5:
            return t
        lst = self.sel_orders[s]
        idxs = r.sample(range(max(0, j - 1500), j), min(j - max(0, j - 1500), r.randint(12, 40)))
        custs = []
        for k in idxs:
            cid = self.cust_ids[self.o_c[lst[k]]]
            if cid not in custs:
                custs.append(cid)
                taken.add(self.o_c[lst[k]])
        decoy = None
        if s in self.bait and r.random() < (0.6 if not ins.honeytokens else 0.2):
            decoy = r.choice(self.bait[s])
            custs.insert(r.randint(0, len(custs)), decoy)
        q = r.choice([f"seller:{sid} bought:60d", f"seller:{sid} reviewed:any sort:recent",
                      f"product_seller:{sid} sort:recent"])
        P = self.cover_purpose(r, ins, t, code)
        eid = self.eact(e, sh, t, "customer.search", targets=custs, purpose=P, extra={"query": q})
        ins.mark(t, eid, "customer.search", custs)
        if decoy and eid:
            ins.honeytokens.append({"id": decoy, "how": "search result", "event": eid})
        view = r.sample(custs, min(len(custs), r.randint(2, 5)))
        if decoy and decoy not in view and r.random() < (0.6 if len(ins.honeytokens) < 2 else 0.15):
            view.append(decoy)
        for cid in view:
            t += r.randint(20 * MS_S, 120 * MS_S)
            eid = self.eact(e, sh, t, "customer.view", tg("customer", cid), fields=list(r.choice(self.HARVEST_FIELDS)),
                            purpose=P)
            ins.mark(t, eid, "customer.view", [cid])
            if cid == decoy and eid:
                ins.honeytokens.append({"id": decoy, "how": "record opened", "event": eid})
        return t

    def offhours_session(self, r, e, sh, after_h=(2.5, 5.5)):
        t0 = sh[1] + int(r.uniform(*after_h) * MS_H)
        nsh = self.next_shift(e, sh[1] + MS_M, min_left=0, working_only=False)
        if t0 >= self.end - 3 * MS_H or (nsh is not None and t0 + 3 * MS_H > nsh[0]):
            return None
        if e.leave_t is not None and t0 + 3 * MS_H > e.leave_t:
            return None
        isp = SITES[e.site]["isp"]
        ip = f"{isp}.{r.randint(0, 255)}.{r.randint(2, 254)}"
        sess = f"{r.getrandbits(32):08x}"
        psh = (t0, t0 + 3 * MS_H, ip, sess, False, True, self.day_of(t0))
        self.out.emit(t0 - r.randint(1 * MS_M, 4 * MS_M), e.actor_at(t0), "auth.login",
                      attrs={"tool": "sso", "ip": ip, "device": e.device, "session": sess,
                             "mfa": "push" if e.inhouse else "totp"})
        return psh

    def ins_code(self, e, t):
        d = e.dept_at(t)
        return {"bc": "customer_request", "sc": "seller_request", "mod": "quality_review",
                "risk": "fraud_investigation", "int": "seller_request"}.get(d, "customer_request")

    def emit_harvester(self, r, ins, taken):
        e = ins.emp
        st = ins.story
        ring = st.get("ring") is not None
        rows, ts = self.harvest_pool(st["targets"])
        days = self.days
        d0 = r.randint(max(1, int(days * 0.08)), max(1, int(days * 0.4)))
        if ring:
            d0 = st.setdefault("ring_d0", d0)
        t_from = self.start + d0 * MS_D
        subtle = ins.subtle
        base = (1.3 if subtle else 5.0) if not ring else (0.9 if subtle else 3.0)
        lam = base * self.intensity
        p_bulk = (0.02 if subtle else (0.08 if ring else 0.22))
        p_off = 0.0 if subtle else 0.12
        st.update({"from_day": d0, "rate_per_shift": round(lam, 2), "p_bulk_search": p_bulk, "p_offhours": p_off})
        for sh in e.shifts:
            if sh[4] or sh[0] < t_from:
                continue
            if subtle and r.random() < 0.4:
                continue
            code = self.ins_code(e, sh[0])
            burst = (not subtle) and r.random() < 0.2
            k = poisson(r, lam * (2.5 if burst else 1.0))
            lo, hi = sh[0] + 25 * MS_M, sh[1] - 20 * MS_M
            if hi <= lo:
                continue
            fsets = self.CAREFUL_FIELDS if subtle else self.HARVEST_FIELDS
            for t in sorted(r.randint(lo, hi) for _ in range(k)):
                self.harvest_one(r, ins, e, sh, t, rows, ts, taken, code, fsets)
            if r.random() < p_bulk * min(1.5, self.intensity):
                self.harvest_bulk(r, ins, e, sh, r.randint(lo, hi), taken, st["targets"], code)
            if r.random() < p_off * min(1.5, self.intensity):
                psh = self.offhours_session(r, e, sh)
                if psh:
                    t = psh[0] + r.randint(2 * MS_M, 10 * MS_M)
                    for _ in range(r.randint(3, 9)):
                        t = self.harvest_one(r, ins, e, psh, t, rows, ts, taken, code, self.HARVEST_FIELDS)
                        t += r.randint(1 * MS_M, 9 * MS_M)
                    st["offhours_sessions"] = st.get("offhours_sessions", 0) + 1

    def emit_slow_leak(self, r, ins):
        e = ins.emp
        st = ins.story
        rows_neg, ts_neg = self.harvest_pool(st["targets"], reviewers_only_neg=True, buyers=False)
        rows_all, ts_all = self.harvest_pool(st["targets"])
        taken = set()
        days = self.days
        d0 = r.randint(max(1, int(days * 0.05)), max(1, int(days * 0.3)))
        t_from = self.start + d0 * MS_D
        st["from_day"] = d0
        shifts = [sh for sh in e.shifts if not sh[4] and sh[0] >= t_from]
        p = max(ins.p_cover, 0.6 + 0.35 * self.cover)
        fs = [["name", "phone", "address"], ["name", "address", "phone", "orders"], ["name", "address", "orders"],
              ["name", "phone", "account"]]
        wk = 0
        while True:
            w0 = t_from + wk * 7 * MS_D
            if w0 >= self.end:
                break
            wsh = [sh for sh in shifts if w0 <= sh[0] < w0 + 7 * MS_D]
            wk += 1
            k = poisson(r, 2.2 * self.intensity)
            if not wsh or k == 0:
                continue
            for sh in sorted(r.choice(wsh) for _ in range(k)):
                t = r.randint(sh[0] + 40 * MS_M, max(sh[0] + 41 * MS_M, sh[1] - 40 * MS_M))
                code = self.ins_code(e, t)
                if r.random() < 0.7 and ts_neg:
                    rows, ts = rows_neg, ts_neg
                else:
                    rows, ts = rows_all, ts_all
                save = ins.p_cover
                ins.p_cover = p
                self.harvest_one(r, ins, e, sh, t, rows, ts, taken, code, fs, p_order=0.3, recent=100000)
                ins.p_cover = save

    def emit_review_removal(self, r, ins):
        e = ins.emp
        for (t, ri, sh) in ins.story.get("deletions", []):
            P = self.cover_purpose(r, ins, t, "quality_review", window=2 * MS_D)
            reason = r.choice(["spam", "off_topic"]) if ins.subtle else r.choice(["spam", "abuse", "off_topic", "other"])
            eid = self.eact(e, sh, t, "review.delete", tg("review", self.r_id[ri]), purpose=P,
                            extra={"reason": reason})
            ins.mark(t, eid, "review.delete")
        ins.story["deleted_reviews"] = len(ins.story.get("deletions", []))

    def emit_reactivations(self, r, ins):
        e = ins.emp
        subtle = ins.subtle
        cite_p = (0.55 + 0.45 * self.cover) if subtle else (0.3 + 0.5 * self.cover)
        apv_p = (0.35 + 0.55 * self.cover) if subtle else 0.5 * self.cover
        used = []
        for p in ins.story.get("plans", []):
            tk = p["ticket"]
            s = p["seller"]
            sid = self.sel_ids[s]
            t = p["t"]
            sh = p["shift"]
            if p["variant"] == "pending":
                ta = max(tk.t + MS_M, t - r.randint(2 * MS_M, 12 * MS_M))
                self.eact(e, sh, ta, "ticket.assign", tg("ticket", tk.id),
                          extra={"assignee": e.id, "queue": "seller-appeals"})
            pur = None
            extra = {}
            cite = r.random() < cite_p
            if cite:
                pur = {"ticket": tk.id, "code": "seller_request"}
                extra["appeal"] = tk.id
            elif r.random() < 0.5:
                pur = {"code": "seller_request"}
            apv = None
            if r.random() < apv_p:
                prior = [a for a in self.approvals if a[0] < t - MS_H]
                if prior:
                    apv = r.choice(prior[-40:])
                    pur = dict(pur or {"code": "seller_request"})
                    pur["approval"] = apv[1]
            eid = self.eact(e, sh, t, "account.reactivate", tg("seller", sid), purpose=pur, extra=extra or None)
            ins.mark(t, eid, "account.reactivate")
            if p["variant"] == "pending":
                self.close(e, sh, t + r.randint(2 * MS_M, 8 * MS_M), tk, "reinstated")
            used.append({"seller": sid, "banned": self.out.ts(p["ban_t"]), "reactivated": self.out.ts(t),
                         "variant": p["variant"], "ticket": tk.id, "cited_ticket": cite,
                         "approval": (apv[1] + " (borrowed from " + apv[3] + ")") if apv else None,
                         "ban_reason": p["reason"]})
        ins.story["reactivations"] = used
        ins.story.pop("plans", None)

    def emit_leaver(self, r, ins):
        e = ins.emp
        st = ins.story
        subtle = ins.subtle
        span = (20 if subtle else 10) * MS_D
        lt = e.leave_t
        shifts = [sh for sh in e.shifts if not sh[4] and lt - span <= sh[0] < lt]
        if not shifts:
            shifts = [sh for sh in e.shifts if not sh[4]][-3:]
        seen = {}
        for s in st["targets"]:
            for oi in self.sel_orders.get(s, ()):
                seen[self.o_c[oi]] = max(seen.get(self.o_c[oi], 0), self.o_t[oi])
        cands = [c for c, _ in sorted(seen.items(), key=lambda x: -x[1])]
        if subtle:
            n_exp = max(1, round(r.randint(7, 12) * self.intensity))
        else:
            n_exp = max(1, round(r.randint(3, 5) * min(1.5, self.intensity)))
        pick = sorted(r.choice(shifts) for _ in range(n_exp)) if shifts else []
        pos = 0
        exports = []
        for k, sh in enumerate(pick):
            size = r.randint(20, 70) if subtle else max(20, int(r.randint(200, 900) * self.intensity))
            chunk = []
            while len(chunk) < size and cands:
                chunk.append(self.cust_ids[cands[pos % len(cands)]])
                pos += 1
                if pos >= len(cands) * 2:
                    break
            chunk = list(dict.fromkeys(chunk))
            if not chunk:
                continue
            offh = (not subtle) and r.random() < 0.5
            use = sh
            if offh:
                psh = self.offhours_session(r, e, sh, after_h=(1.5, 4.0))
                if psh:
                    use = psh
            t = r.randint(use[0] + 15 * MS_M, max(use[0] + 16 * MS_M, use[1] - 60 * MS_M))
            if t >= lt - 5 * MS_M:
                continue
            code = "seller_request"
            P = self.cover_purpose(r, ins, t, code, window=5 * MS_D)
            if not subtle and r.random() < 0.6:
                q = f"category:{st['category']} buyers top_sellers:{len(st['targets'])} since:90d"
                eid = self.eact(e, use, t, "customer.search", targets=chunk[:500], purpose=P, extra={"query": q})
                ins.mark(t, eid, "customer.search", chunk[:500])
                t += r.randint(1 * MS_M, 6 * MS_M)
            parts = [chunk[i:i + 800] for i in range(0, len(chunk), 800)]
            bid = f"exp-{e.id}-{k + 1}"
            fmt = r.choice(["csv", "xlsx"])
            for pi, part in enumerate(parts):
                t += r.randint(10 * MS_S, 60 * MS_S)
                extra = {"format": fmt, "rows": len(part)}
                if len(parts) > 1:
                    extra.update({"batch": bid, "part": pi + 1, "parts": len(parts)})
                eid = self.eact(e, use, t, "customer.export", targets=part, purpose=P, extra=extra)
                ins.mark(t, eid, "customer.export", part)
            exports.append({"time": self.out.ts(t), "customers": len(chunk), "offhours": use is not sh,
                            "purpose": P})
        st["exports"] = exports
        st["leave_time"] = self.out.ts(e.leave_t) if e.leave_t < self.end else None

    def emit_insiders(self):
        r = rng_for(self.seed, "insider-acts")
        for e in self.emps:
            e.handled.sort(key=lambda h: h[0])
        self.handled_t = {e.idx: [h[0] for h in e.handled] for e in self.emps}
        ring_taken = defaultdict(set)
        for ins in self.insiders:
            ins.p_cover = (0.5 + 0.45 * self.cover) if ins.subtle else 0.6 * self.cover
            sc = ins.scenario
            if sc == "data_sale":
                self.emit_harvester(r, ins, set())
            elif sc == "data_sale_ring":
                self.emit_harvester(r, ins, ring_taken[ins.story["ring"]])
            elif sc == "slow_leak":
                self.emit_slow_leak(r, ins)
            elif sc == "review_removal":
                self.emit_review_removal(r, ins)
            elif sc == "seller_reactivation":
                self.emit_reactivations(r, ins)
            elif sc == "leaver_export":
                self.emit_leaver(r, ins)
            if not ins.mal and sc in ("data_sale", "data_sale_ring", "slow_leak"):
                # tiny windows: make sure the planted story produces at least one act
                st = ins.story
                rows, ts = self.harvest_pool(st["targets"])
                e = ins.emp
                for sh in e.shifts[len(e.shifts) // 3:]:
                    if sh[4]:
                        continue
                    t = r.randint(sh[0] + 30 * MS_M, max(sh[0] + 31 * MS_M, sh[1] - 30 * MS_M))
                    self.harvest_one(r, ins, e, sh, t, rows, ts, ring_taken[st.get("ring")], self.ins_code(e, t),
                                     self.HARVEST_FIELDS)
                    if ins.mal:
                        st["fallback_act"] = True
                        break

    # ================================================================ driver
    def iso(self, t):
        return datetime.fromtimestamp(t / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{t % 1000:03d}Z"

    def run(self, outdir):
        t0 = _time.time()
        self.build_market()
        self.build_org()
        self.plan_hr()
        self.select_insiders()
        self.plan_shifts()
        self.build_index()
        self.plan_kams()
        self.plan_lookalikes()
        self.plan_reactivations()
        self.plan_kyc()
        self.plan_bans()
        self.gen_orders()
        self.gen_reviews()
        self.plan_tickets()
        self.plan_review_removal()
        self.assign_ticket_ids()
        t_plan = _time.time() - t0
        self.restored = {}
        self.suspended_sellers = set()
        self.kyc_reactivations = 0
        self.emit_static()
        self.emit_sessions()
        r = rng_for(self.seed, "work")
        handlers = {"bc": self.h_bc, "sc": self.h_sc, "mod": self.h_mod, "risk": self.h_risk,
                    "int": self.h_int, "priv": self.h_priv}
        # moderation first (deletions are needed by complaint handling), then the rest
        for q in ("mod", "sc", "int", "risk", "priv", "bc"):
            h = handlers[q]
            for tk in self.tickets:
                if tk.queue == q:
                    h(r, tk)
        rl = rng_for(self.seed, "lookalike-emit")
        self.emit_sweeps(rl)
        self.emit_bombs(rl)
        self.emit_reversal(rl)
        self.emit_regulator(rl)
        self.emit_incidents(rl)
        self.emit_reports(rl)
        self.emit_qa(rng_for(self.seed, "qa"))
        self.emit_insiders()
        t_emit = _time.time() - t0 - t_plan
        os.makedirs(outdir, exist_ok=True)
        want = [x[1] for ins in self.insiders for x in ins.mal]
        want += [h["event"] for ins in self.insiders for h in ins.honeytokens]
        n, final = self.out.write(os.path.join(outdir, "events.jsonl"), want)
        for ins in self.insiders:
            ins.mal = [(t, final[i]) for t, i in ins.mal]
            for h in ins.honeytokens:
                h["event"] = final[h["event"]]
        truth, stats = self.summaries(n)
        with open(os.path.join(outdir, "truth.json"), "w") as f:
            json.dump(truth, f, indent=1)
            f.write("\n")
        stats["timing_seconds"] = {"plan": round(t_plan, 1), "emit": round(t_emit, 1),
                                   "total": round(_time.time() - t0, 1)}
        with open(os.path.join(outdir, "stats.json"), "w") as f:
            json.dump(stats, f, indent=1)
            f.write("\n")
        return n, stats

    def summaries(self, n):
        out = self.out
        tr_ins = []
        st_ins = []
        for ins in self.insiders:
            e = ins.emp
            sellers = [self.sel_ids[s] for s in ins.story.get("beneficiary", [])]
            info = {"employee": e.id, "scenario": ins.scenario, "subtle": ins.subtle,
                    "role": e.periods[0][1], "team": e.periods[0][2], "site": e.site,
                    "employer": VENDOR_NAME.get(e.vendor, "kestrel"),
                    "beneficiary_sellers": sellers,
                    "malicious_events": len(ins.mal), "by_action": dict(ins.actions),
                    "customers_disclosed": len(ins.customers),
                    "honeytokens_touched": ins.honeytokens}
            for k in ("targets",):
                if k in ins.story:
                    info["target_sellers"] = [self.sel_ids[s] for s in ins.story[k]]
            for k, v in ins.story.items():
                if k in ("targets", "beneficiary", "deletions", "ring_ben"):
                    continue
                info[k] = v
            info["story"] = STORY[ins.scenario]
            if not ins.mal:
                info["note"] = "planted but produced no malicious event in this window; not in truth"
                st_ins.append(info)
                continue
            ts = sorted(x[0] for x in ins.mal)
            info["start"] = self.iso(ts[0])
            info["end"] = self.iso(ts[-1])
            info["malicious_event_ids"] = [x[1] for x in sorted(ins.mal)]
            st_ins.append(info)
            tr_ins.append({"employee": e.id, "scenario": ins.scenario, "start": self.iso(ts[0]),
                           "end": self.iso(ts[-1]), "sellers": sellers, "customers": sorted(ins.customers)})
        planted = [h for s in sorted(self.bait) for h in self.bait[s]]
        truth = {"seed": self.seed, "start": self.iso(self.start), "end": self.iso(self.end),
                 "employees": len(out.emps_seen), "insiders": tr_ins, "honeytokens": planted}
        hr = Counter()
        for e in self.emps:
            if e.hire_t is not None:
                hr["hired_in_window" + ("_seasonal" if e.temp else "")] += 1
            if e.leave_t is not None and e.leave_t < self.end:
                hr["left_" + e.leave_reason + ("_" + e.leave_detail if e.leave_detail else "")] += 1
            if e.changes:
                hr["role_or_team_changes"] += 1
        roles = Counter(e.periods[0][1] for e in self.emps)
        sites = Counter(e.site for e in self.emps)
        benign_leavers = [e.id for e in self.emps if e.leave_t is not None and e.leave_t < self.end
                          and e.insider is None and e.leave_reason == "resigned" and not e.temp]
        new_hires = [e.id for e in self.emps if e.hire_t is not None]
        look = list(self.lookalikes)
        look.append({"kind": "benign_leavers", "employees": benign_leavers,
                     "story": "resign during the window and keep working normally until their last shift"})
        look.append({"kind": "new_hire_ramp", "employees": new_hires,
                     "story": "BPO training classes, seasonal temps and in-house hires: 5 training days on shared test buyers, then a 3-week ramp"})
        look.append({"kind": "queue_coverage", "pairs": [{"kam": k, "cover": c, "tickets": n}
                                                          for (k, c), n in sorted(self.coverage_count.items())],
                     "story": "a key-account manager on leave; a colleague works that portfolio's tickets (many buyers of a few big sellers)"})
        look.append({"kind": "kyc_suspensions", "cases": self.kyc_cases, "reactivated": self.kyc_reactivations,
                     "story": "seller KYC documents expire: integrity analysts suspend, then reactivate once documents arrive (no approval needed)"})
        look.append({"kind": "shared_accounts", "vip_customers": [self.cust_ids[c] for c in self.vips],
                     "test_accounts": self.test_accounts,
                     "story": "VIP buyers with frequent escalations and QA/test buyers are opened by many different agents"})
        look.append({"kind": "kam_portfolios", "kams": {k.id: len(k.kam_sellers) for k in self.emps if k.kam_sellers},
                     "story": "key-account managers routinely view buyers of the same few top sellers"})
        peak_days = [self.dates[i].isoformat() for i, p in enumerate(self.peak) if p]
        look.append({"kind": "seasonal_peak", "days": len(peak_days),
                     "first": peak_days[0] if peak_days else None, "last": peak_days[-1] if peak_days else None,
                     "story": "Black Friday to Christmas: 1.4-2.6x orders/contacts, BPO overtime on rest days, seasonal temps"})
        stats = {
            "generator": "market6", "world": "Kestrel marketplace support (in-house DUB/AUS/SIN/KRK + BPO Halcyon MNL, Velora BOG)",
            "params": {"employees": self.N, "customers": self.C, "sellers": self.S, "days": self.days,
                       "seed": self.seed, "intensity": self.intensity, "cover": self.cover,
                       "start": self.dates[0].isoformat()},
            "events": n, "events_by_action": dict(sorted(out.count.items())),
            "employees_appearing": len(out.emps_seen),
            "employees_by_role": dict(sorted(roles.items())), "employees_by_site": dict(sorted(sites.items())),
            "hr": dict(hr),
            "marketplace": {"orders": len(self.o_t), "reviews": len(self.r_t), "tickets": len(self.tickets),
                            "bans": out.count.get("account.ban", 0), "approvals_granted": len(self.approvals),
                            "kyc_cases": self.kyc_cases, "kyc_reactivations": self.kyc_reactivations},
            "honeytokens": {"planted": planted, "bait_sellers": {self.sel_ids[s]: v for s, v in sorted(self.bait.items())}},
            "insiders": st_ins,
            "insiders_in_truth": len(tr_ins),
            "lookalikes": look,
        }
        return truth, stats


STORY = {
    "data_sale": "BPO/seller-care agent paid by a broker for contact details of people who bought from or reviewed "
                 "a rival seller; a few lookups per shift (order then customer), occasional 'seller:' buyer searches, "
                 "some evening sessions from home; beneficiary is the seller buying the leads.",
    "data_sale_ring": "two or three agents on different sites recruited by the same broker for one seller; they split "
                      "the rival sellers' buyers and reviewers between them, each at a modest rate.",
    "review_removal": "moderator paid to delete 1-2 star (sometimes 3 star) reviews of one seller or of several "
                      "storefronts of the same owner, citing spam/off-topic, soon after they appear; some reviewers "
                      "complain and get their review restored by a lead.",
    "seller_reactivation": "integrity analyst reactivating banned sellers for money: picks up the seller's pending appeal, "
                           "cites an appeal that a colleague already denied, or a generic ticket the seller opened; "
                           "sometimes re-uses a four-eyes approval id granted for another case.",
    "leaver_export": "in-house employee with export rights who has resigned exports buyers of the top sellers of a "
                     "category in the weeks before leaving (for a seller-side agency); blatant: a few large exports, "
                     "some from home in the evening; careful: many small exports under seller tickets.",
    "slow_leak": "long-tenured in-house agent feeding a seller the phone numbers and addresses of customers who left it "
                 "negative reviews; a couple of lookups a week, almost always under a ticket the agent really worked.",
}


def main(argv=None):
    ap = argparse.ArgumentParser(description="market6: Kestrel marketplace insider-abuse test data for Custos")
    ap.add_argument("--employees", type=int, default=1000)
    ap.add_argument("--customers", type=int, default=60000)
    ap.add_argument("--sellers", type=int, default=1500)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--intensity", type=float, default=1.0)
    ap.add_argument("--cover", type=float, default=0.5)
    ap.add_argument("--start", default="2025-10-06", help="first day (UTC), YYYY-MM-DD")
    ap.add_argument("--out", required=True)
    a = ap.parse_args(argv)
    if a.employees < 30 or a.customers < 500 or a.sellers < 40 or a.days < 7:
        ap.error("minimum world: --employees 30 --customers 500 --sellers 40 --days 7")
    if not 0.0 <= a.cover <= 1.0 or a.intensity < 0:
        ap.error("--cover must be in 0..1 and --intensity >= 0")
    t0 = _time.time()
    g = Gen(a)
    n, stats = g.run(a.out)
    by = Counter(i["scenario"] for i in stats["insiders"] if "start" in i)
    print(json.dumps({"out": a.out, "events": n, "employees": stats["employees_appearing"],
                      "insiders": dict(by), "seconds": round(_time.time() - t0, 1)}))


if __name__ == "__main__":
    main()
