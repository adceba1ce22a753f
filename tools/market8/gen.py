#!/usr/bin/env python3
"""market8: "Tessel", a second-hand electronics & classifieds marketplace.

Independent test-data generator for Custos (event format v1).  Written blind
from the event contract only.  Python 3.11 standard library, deterministic:
the same arguments give byte-identical output.

    python3 tools/market8/gen.py --employees 1000 --customers 60000 \
        --sellers 1500 --days 90 --seed 1 [--intensity 1.0] [--cover 0.5] --out DIR

Writes DIR/events.jsonl (time-sorted), DIR/truth.json, DIR/stats.json.
See README.md for the world, the insiders and the look-alikes.
"""
import argparse
import bisect
import datetime
import json
import os
import random
import sys

DAY = 86_400_000
HOUR = 3_600_000
MIN = 60_000
SEC = 1000
BASE_DATE = datetime.date(2026, 1, 5)     # a Monday; start of the marketplace history
HIST = 28                                  # days of marketplace-only history before the window

B32 = "0123456789abcdefghjkmnpqrstvwxyz"

# customer activity by UTC hour (mostly European buyers)
CUST_HOURS = [0.5, 0.3, 0.2, 0.15, 0.15, 0.3, 0.8, 1.5, 2.2, 2.6, 2.8, 2.9,
              3.0, 2.9, 2.8, 2.8, 2.9, 3.1, 3.4, 3.6, 3.5, 2.8, 1.8, 1.0]

CATS = ["phn", "lap", "tab", "cam", "aud", "con", "wat", "pcp", "drn"]

F_CS_ORDER = ["name", "email", "orders", "address"]
F_CS_ACCT = ["name", "email", "phone", "account"]
F_PAY = ["name", "email", "payment", "orders"]
F_ADDR = ["name", "address", "phone"]
F_TS = ["name", "email", "account", "reviews"]
F_REV = ["reviews", "account"]
F_KYC = ["account", "payment"]
F_ALL = ["name", "email", "phone", "address", "payment", "orders", "reviews", "account"]
F_LEGAL = ["name", "address", "phone", "orders", "payment"]
F_HARVEST = [["name", "email", "phone", "address"], ["name", "email", "phone"],
             ["name", "email", "orders", "address"], ["name", "phone", "address"]]

# team catalogue: pattern, local shift starts, queues served, tool
TEAMS = [
    dict(k="cs_ber", role="cs-agent", team="cs-ber-1", site="BER", tz=1, share=.10, pat="rota", starts=[7, 14], q=["cs"], tool="cs-console", idf="staff"),
    dict(k="cs_lis", role="cs-agent", team="cs-lis-2", site="LIS", tz=0, share=.08, pat="rota", starts=[8, 15], q=["cs"], tool="cs-console", idf="staff"),
    dict(k="cs_mnl", role="cs-agent", team="cs-mnl-night", site="MNL", tz=8, share=.08, pat="bpo", starts=[8.2, 15, 22.5], q=["cs"], tool="cs-console", idf="bpo"),
    dict(k="pay_ber", role="payments-analyst", team="payops-ber", site="BER", tz=1, share=.07, pat="office", starts=[8, 9], q=["pay"], tool="payops-desk", idf="staff"),
    dict(k="pay_krk", role="payments-analyst", team="payops-krk", site="KRK", tz=1, share=.04, pat="rota", starts=[7, 13], q=["pay"], tool="payops-desk", idf="staff"),
    dict(k="ret", role="returns-clerk", team="returns-hub-rtm", site="RTM", tz=1, share=.12, pat="returns", starts=[5, 13], q=["ret"], tool="hubscan", idf="ctr"),
    dict(k="ver", role="verification-specialist", team="seller-verif", site="LIS", tz=0, share=.05, pat="office", starts=[8, 9, 10], q=["ver"], tool="kyc-portal", idf="staff"),
    dict(k="ts", role="ts-investigator", team="trust-safety", site="BER", tz=1, share=.06, pat="office", starts=[8, 9, 10], q=["ts"], tool="case-manager", idf="staff"),
    dict(k="mod_lis", role="moderator", team="community-mod", site="LIS", tz=0, share=.05, pat="rota", starts=[7, 15], q=["mod"], tool="modq", idf="staff"),
    dict(k="mod_mnl", role="moderator", team="community-mod-apac", site="MNL", tz=8, share=.03, pat="bpo", starts=[8.2, 15], q=["mod"], tool="modq", idf="bpo"),
    dict(k="sm", role="account-manager", team="seller-success", site="BER", tz=1, share=.05, pat="office", starts=[8, 9, 10], q=["slr"], tool="seller-hub-admin", idf="staff"),
    dict(k="growth", role="growth-analyst", team="growth-analytics", site="BER", tz=1, share=.03, pat="office", starts=[9, 10], q=[], tool="dwh-export", idf="staff"),
    dict(k="sre_bog", role="sre", team="platform-oncall", site="BOG", tz=-5, share=.03, pat="office", starts=[8, 9], q=[], tool="breakglass-cli", idf="staff"),
    dict(k="sre_ber", role="sre", team="platform-oncall", site="BER", tz=1, share=.03, pat="office", starts=[8, 9], q=[], tool="breakglass-cli", idf="staff"),
    dict(k="legal", role="privacy-counsel", team="legal-privacy", site="BER", tz=1, share=.02, pat="office", starts=[9], q=["legal"], tool="privacy-portal", idf="staff"),
    dict(k="qa", role="qa-engineer", team="qa-release", site="KRK", tz=1, share=.03, pat="office", starts=[8, 9, 10], q=[], tool="qa-sandbox", idf="staff"),
    dict(k="lead", role="team-lead", team="ops-leads", site="BER", tz=1, share=.03, pat="office", starts=[8, 9], q=[], tool="cs-console", idf="staff"),
]
TEAM = {t["k"]: t for t in TEAMS}
SITE_NET = {"BER": "10.11", "LIS": "10.12", "KRK": "10.13", "RTM": "10.21", "MNL": "172.20", "BOG": "10.31"}
TOOL_SRC = {"cs-console": "csc", "payops-desk": "pod", "hubscan": "hub", "kyc-portal": "kyc",
            "case-manager": "tsc", "modq": "mdq", "seller-hub-admin": "shb", "dwh-export": "dwh",
            "breakglass-cli": "bgl", "privacy-portal": "prv", "qa-sandbox": "qas", "sso": "idp"}

ADHOC = {"pay_ber": ("bank inquiry", "customer_request", ["name", "payment"]),
         "pay_krk": ("bank inquiry", "customer_request", ["name", "payment"]),
         "ret": ("carrier callback", "customer_request", ["name", "address", "phone"]),
         "ts": ("pre-check", "fraud_investigation", ["name", "email", "account"]),
         "mod_lis": ("reviewer history", "quality_review", ["reviews", "account"]),
         "mod_mnl": ("reviewer history", "quality_review", ["reviews", "account"]),
         "sm": ("seller call", "seller_request", ["name", "email", "orders"])}
DATA_TEAMS = ["cs_ber", "cs_lis", "cs_mnl", "pay_ber", "pay_krk", "sm", "ret"]
SCEN_ORDER = ["data_sale", "review_removal", "honeytoken_touch", "collusion_ring",
              "fraud_reactivation", "leaver_exfiltration", "snooping", "data_sale",
              "review_removal", "snooping", "leaver_exfiltration", "data_sale",
              "fraud_reactivation", "honeytoken_touch", "collusion_ring"]


def b32(n, width):
    s = []
    for _ in range(width):
        s.append(B32[n & 31])
        n >>= 5
    return "".join(reversed(s))


class Out:
    def __init__(self, path, ndays, end_ms):
        self.f = open(path, "w", encoding="utf-8", newline="\n")
        self.buckets = {}
        self.seq = 0
        self.flushed = -1
        self.end = end_ms
        self.counts = {}
        self.n = 0
        self.prefix = [(BASE_DATE + datetime.timedelta(days=d)).isoformat() for d in range(ndays + 5)]
        self.enc = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True).encode

    def emit(self, t, src, obj):
        if t >= self.end or t < 0:
            return False
        d = t // DAY
        if d <= self.flushed:
            raise RuntimeError("emit into flushed day %d (now %d): %r" % (d, self.flushed, obj))
        self.seq += 1
        b = self.buckets.get(d)
        if b is None:
            b = self.buckets[d] = []
        b.append((t, self.seq, src, obj))
        return True

    def fmt(self, t):
        d, r = divmod(t, DAY)
        h, r = divmod(r, HOUR)
        m, r = divmod(r, MIN)
        s, ms = divmod(r, SEC)
        return "%sT%02d:%02d:%02d.%03dZ" % (self.prefix[d], h, m, s, ms)

    def flush(self, d):
        b = self.buckets.pop(d, [])
        b.sort()
        enc = self.enc
        fmt = self.fmt
        cnt = self.counts
        lines = []
        for t, seq, src, obj in b:
            body = enc(obj)
            h = (seq * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFF
            lines.append('{"id":"%s-%012x","time":"%s",%s\n' % (src, h, fmt(t), body[1:]))
            a = obj["action"]
            cnt[a] = cnt.get(a, 0) + 1
        self.n += len(b)
        self.f.write("".join(lines))
        self.flushed = d

    def close(self):
        self.f.close()


class Emp:
    __slots__ = ("i", "id", "T1", "T2", "change_day", "hire_day", "work_from", "last_day", "leave_reason",
                 "actor", "tool", "src", "ip", "device", "sess", "start_h", "phase", "off", "busy", "ss", "se",
                 "tickets", "last_act", "ins", "ipday", "portfolio", "cust", "shift_cache", "n_tk", "hired_in_window")

    def T(self, day):
        if self.change_day is not None and day >= self.change_day:
            return self.T2
        return self.T1


class Tk:
    __slots__ = ("id", "q", "h", "t_open", "cust", "sel", "order", "review", "kind", "t_close", "extra", "assignee")

    def __init__(self, id_, q, h, t_open, cust=-1, sel=-1, order=-1, review=-1, kind="other", extra=None):
        self.id = id_
        self.q = q
        self.h = h
        self.t_open = t_open
        self.cust = cust
        self.sel = sel
        self.order = order
        self.review = review
        self.kind = kind
        self.t_close = None
        self.extra = extra
        self.assignee = None


class Insider:
    def __init__(self, emp, scenario, subtle, cite_p):
        self.emp = emp
        self.scenario = scenario
        self.subtle = subtle
        self.cite_p = cite_p
        self.sellers = []
        self.customers = set()
        self.first = None
        self.last = None
        self.n = 0
        self.plan = {}          # day -> list of session specs
        self.role = scenario
        self.harvested = set()

    def mark(self, t, custs):
        if self.first is None or t < self.first:
            self.first = t
        if self.last is None or t > self.last:
            self.last = t
        self.n += 1
        if custs:
            self.customers.update(custs)


class Gen:
    def __init__(self, a):
        self.a = a
        self.seed = a.seed
        self.rw = random.Random(a.seed * 7 + 1)       # marketplace
        self.rs = random.Random(a.seed * 7 + 2)       # staff
        self.r = random.Random(a.seed * 7 + 3)        # legit operations
        self.ri = random.Random(a.seed * 7 + 4)       # insiders
        self.ndays = HIST + a.days
        self.W0 = HIST
        self.start_ms = HIST * DAY
        self.end_ms = self.ndays * DAY
        self.fc = a.customers / 60000.0
        self.stats = {"lookalikes": {}, "planted": {}}
        self.tk_ctr = {}
        self.future = {}
        self.recent_closed = {}

    def la(self, k, n=1):
        d = self.stats["lookalikes"]
        d[k] = d.get(k, 0) + n

    # ------------------------------------------------------------------ ids
    def tid(self, prefix):
        n = self.tk_ctr.get(prefix)
        if n is None:
            n = self.rw.randint(10000, 60000) * 7
        n += 1 + (n % 3 == 0)
        self.tk_ctr[prefix] = n
        return "%s-%d" % (prefix, n)

    def tc(self, c):
        return {"type": "customer", "id": self.cids[c]}

    def ts_(self, s):
        return {"type": "seller", "id": self.sids[s]}

    # ------------------------------------------------------------------ world
    def build_market(self):
        a, rw = self.a, self.rw
        n = a.customers
        salt = rw.getrandbits(40)
        self.cids = [("cu_" + b32(((i + 1) * 0x9E3779B1 + salt) & ((1 << 40) - 1), 8)) for i in range(n)]
        # QA shared demo accounts (real customer records used by the QA team)
        self.test_accts = list(range(n, n + 12))
        for k in range(12):
            self.cids.append("cu_demo_qa%02d" % (k + 1))
        nall = len(self.cids)
        self.is_ht = bytearray(nall)
        self.is_test = bytearray(nall)
        for c in self.test_accts:
            self.is_test[c] = 1
        nht = max(5, n // 3000)
        self.ht = sorted(rw.sample(range(n), nht))
        for c in self.ht:
            self.is_ht[c] = 1
        # celebrities: very active accounts
        cands = [c for c in rw.sample(range(n), 40) if not self.is_ht[c]]
        self.celebs = cands[:3]
        cw = [rw.lognormvariate(0, 1.0) for _ in range(n)]
        for c in self.ht:
            cw[c] = 0.0
        for c in self.celebs:
            cw[c] = 12.0
        acc = 0.0
        self.cust_cum = []
        for w in cw:
            acc += w
            self.cust_cum.append(acc)
        # sellers
        ns = a.sellers
        nbiz = max(3, int(ns * 0.08))
        bizn = rw.sample(range(1000, 9999), nbiz)
        privn = rw.sample(range(1000000, 9999999), ns - nbiz)
        self.sids = ["biz-%04d" % x for x in bizn] + ["sl%07d" % x for x in privn]
        self.nbiz = nbiz
        sw = [1.0 / (r + 4) ** 1.05 for r in range(ns)]
        acc = 0.0
        self.sel_cum = []
        for w in sw:
            acc += w
            self.sel_cum.append(acc)
        self.sel_bad = bytearray(ns)
        for s in range(ns):
            if rw.random() < 0.15:
                self.sel_bad[s] = 1
        self.sel_prod = []
        pc = rw.randint(10000, 90000)
        for s in range(ns):
            k = 2 + int(rw.random() * (40 if s < nbiz else 8))
            ps = []
            for _ in range(k):
                pc += rw.randint(1, 4)
                ps.append("sku-%s-%06d" % (rw.choice(CATS), pc))
            self.sel_prod.append(ps)
        good = [0.04, 0.08, 0.16, 0.40, 1.0]
        bad = [0.24, 0.36, 0.50, 0.70, 1.0]
        # orders, day by day (sorted by time)
        o_time, o_cust, o_sel, o_prod, o_id = [], [], [], [], []
        revs = []   # (time, cust, sel, prod, rating, order)
        self.day_orders = []
        base = 0.062 * n
        hcum = []
        acc = 0
        for w in CUST_HOURS:
            acc += w
            hcum.append(acc)
        self.hcum = hcum
        ccum, scum = self.cust_cum, self.sel_cum
        ctot, stot = ccum[-1], scum[-1]
        for d in range(self.ndays):
            wd = d % 7
            k = int(base * (1.15 if wd >= 5 else 1.0) * rw.uniform(0.88, 1.12) * (0.85 + 0.15 * d / self.ndays))
            times = sorted(d * DAY + self.cust_time(rw) for _ in range(k))
            lab = (BASE_DATE + datetime.timedelta(days=d)).strftime("%y%m%d")
            first = len(o_time)
            for j, t in enumerate(times):
                c = bisect.bisect_left(ccum, rw.random() * ctot)
                s = bisect.bisect_left(scum, rw.random() * stot)
                if s >= ns:
                    s = ns - 1
                if c >= n:
                    c = n - 1
                p = rw.choice(self.sel_prod[s])
                oi = len(o_time)
                o_time.append(t)
                o_cust.append(c)
                o_sel.append(s)
                o_prod.append(p)
                o_id.append("ord-%s-%05d" % (lab, j + 1))
                if rw.random() < 0.27:
                    rt = t + rw.randint(3 * DAY, 18 * DAY)
                    if rt < self.end_ms:
                        cum = bad if self.sel_bad[s] else good
                        x = rw.random()
                        rating = 1 + next(i for i, v in enumerate(cum) if x < v)
                        revs.append((rt, c, s, p, rating, oi))
            self.day_orders.append((first, len(o_time)))
        # honeytoken footprint: a few old orders and reviews on mid-size sellers
        self.ht_sellers = sorted(rw.sample(range(min(ns, 6), min(ns, 140)), max(2, min(ns - 6, len(self.ht) // 2 + 2))))
        extra_orders = []
        for c in self.ht:
            for _ in range(rw.randint(1, 3)):
                s = rw.choice(self.ht_sellers)
                t = rw.randint(1 * DAY, (HIST - 10) * DAY)
                extra_orders.append((t, c, s))
        self.o_time, self.o_cust, self.o_sel, self.o_prod, self.o_id = o_time, o_cust, o_sel, o_prod, o_id
        # insert HT orders: append then re-sort everything (small relative cost)
        if extra_orders:
            recs = list(zip(o_time, o_cust, o_sel, o_prod, o_id))
            for t, c, s in extra_orders:
                lab = (BASE_DATE + datetime.timedelta(days=t // DAY)).strftime("%y%m%d")
                p = rw.choice(self.sel_prod[s])
                oid = "ord-%s-%05d" % (lab, 90000 + len(recs))
                recs.append((t, c, s, p, oid))
            order_rev = {}
            for r_ in revs:
                order_rev.setdefault(r_[5], []).append(r_)
            # re-index: remember old index per record
            idx = list(range(len(recs)))
            idx.sort(key=lambda i: (recs[i][0], i))
            newpos = [0] * len(recs)
            for newi, oldi in enumerate(idx):
                newpos[oldi] = newi
            recs = [recs[i] for i in idx]
            self.o_time = [x[0] for x in recs]
            self.o_cust = [x[1] for x in recs]
            self.o_sel = [x[2] for x in recs]
            self.o_prod = [x[3] for x in recs]
            self.o_id = [x[4] for x in recs]
            revs = [(x[0], x[1], x[2], x[3], x[4], newpos[x[5]]) for x in revs]
            nold = len(o_time)
            seen = set(self.o_id)
            for k, (t, c, s) in enumerate(extra_orders):
                oi = newpos[nold + k]
                rt = t + rw.randint(3 * DAY, 9 * DAY)
                revs.append((rt, c, s, self.o_prod[oi], rw.choice([2, 4, 5, 5, 3, 1]), oi))
            if len(seen) != len(self.o_id):
                raise RuntimeError("order id collision")
            self.day_orders = []
            j = 0
            for d in range(self.ndays):
                lo = j
                while j < len(self.o_time) and self.o_time[j] < (d + 1) * DAY:
                    j += 1
                self.day_orders.append((lo, j))
        # spam waves (review bombs and paid 5-star bursts)
        self.waves = []
        nw = max(2, int(round(self.a.days * 0.45 * self.fc ** 0.5)))
        lowact = [c for c in rw.sample(range(n), min(n, 4000)) if cw[c] < 0.5 and not self.is_ht[c]]
        for _ in range(nw):
            d = rw.randint(self.W0 + 1, self.ndays - 2)
            s = bisect.bisect_left(scum, rw.random() * stot * 0.9)
            s = min(s, ns - 1)
            neg = rw.random() < 0.62
            k = rw.randint(14, 55)
            t0 = d * DAY + rw.randint(0, 20) * HOUR + rw.randint(0, HOUR)
            span = rw.randint(1, 5) * HOUR
            members = rw.sample(lowact, min(k, len(lowact)))
            ws = []
            for c in members:
                rt = t0 + rw.randint(0, span)
                revs.append((rt, c, s, rw.choice(self.sel_prod[s]), 1 if neg else 5, -1 - len(self.waves)))
            self.waves.append(dict(day=d, sel=s, neg=neg, t_end=t0 + span, n=len(members)))
        revs.sort(key=lambda x: (x[0], x[1]))
        self.r_time = [x[0] for x in revs]
        self.r_cust = [x[1] for x in revs]
        self.r_sel = [x[2] for x in revs]
        self.r_prod = [x[3] for x in revs]
        self.r_rating = [x[4] for x in revs]
        self.r_order = [x[5] for x in revs]
        self.r_id = ["rv-%08x" % (((i + 11) * 2654435761) & 0xFFFFFFFF) for i in range(len(revs))]
        self.r_del = {}
        self.wave_revs = [[] for _ in self.waves]
        self.sel_revs = [[] for _ in range(ns)]
        for i in range(len(revs)):
            self.sel_revs[self.r_sel[i]].append(i)
            if self.r_order[i] < -0:
                self.wave_revs[-1 - self.r_order[i]].append(i)
        self.sel_rev_t = [[self.r_time[i] for i in L] for L in self.sel_revs]
        self.sel_orders = [[] for _ in range(ns)]
        self.cust_orders = {}
        for i, (c, s) in enumerate(zip(self.o_cust, self.o_sel)):
            self.sel_orders[s].append(i)
            self.cust_orders.setdefault(c, []).append(i)
        self.sel_ord_t = [[self.o_time[i] for i in L] for L in self.sel_orders]
        self.sel_ban = {}      # s -> ban time (current)
        self.cust_ban = {}
        self.stats["planted"]["orders"] = len(self.o_time)
        self.stats["planted"]["reviews"] = len(self.r_time)
        self.stats["planted"]["spam_waves"] = len(self.waves)

    def cust_time(self, r):
        h = bisect.bisect_left(self.hcum, r.random() * self.hcum[-1])
        return h * HOUR + r.randrange(HOUR)

    # ------------------------------------------------------------------ staff
    def build_staff(self):
        a, rs = self.a, self.rs
        N = a.employees
        tot = sum(t["share"] for t in TEAMS)
        sizes = [max(1, int(round(t["share"] / tot * N))) for t in TEAMS]
        while sum(sizes) > N:
            j = max(range(len(sizes)), key=lambda i: sizes[i])
            sizes[j] -= 1
        while sum(sizes) < N:
            j = max(range(len(sizes)), key=lambda i: TEAMS[i]["share"])
            sizes[j] += 1
        staffn = rs.sample(range(10000, 99999), N)
        self.emps = []
        i = 0
        for T, k in zip(TEAMS, sizes):
            for _ in range(k):
                e = Emp()
                e.i = i
                if T["idf"] == "ctr":
                    e.id = "ctr.rtm.%04d" % (staffn[i] % 10000)
                elif T["idf"] == "bpo":
                    e.id = "bpo-mnl-%05d" % staffn[i]
                else:
                    e.id = "tsl-%05d" % staffn[i]
                e.T1 = T
                e.T2 = None
                e.change_day = None
                e.hire_day = 0
                e.work_from = self.W0
                e.last_day = self.ndays - 1
                e.leave_reason = None
                e.hired_in_window = False
                e.start_h = rs.choice(T["starts"])
                e.phase = rs.randrange(7)
                e.off = set()
                nblk = rs.choice([0, 1, 1, 2]) if a.days >= 45 else rs.choice([0, 0, 1])
                for _ in range(nblk):
                    v0 = rs.randint(self.W0, self.ndays - 1)
                    for dd in range(v0, v0 + rs.randint(2, max(3, min(9, a.days // 5)))):
                        e.off.add(dd)
                net = SITE_NET[T["site"]]
                e.ip = "%s.%d.%d" % (net, rs.randint(0, 40), rs.randint(2, 250))
                e.device = ("rtm-scan-%02d" % rs.randint(1, 30)) if T["k"] == "ret" else (
                    "vdi-mnl-%04d" % rs.randint(1, 9999) if T["site"] == "MNL" else "lt-%05d" % rs.randint(1, 99999))
                e.sess = "%06x" % rs.getrandbits(24)
                e.busy = 0
                e.ss = e.se = 0
                e.ipday = e.ip
                e.tickets = []
                e.last_act = 0
                e.ins = None
                e.portfolio = []
                e.cust = rs.randrange(a.customers) if rs.random() < 0.2 else None
                if e.cust is not None and self.is_ht[e.cust]:
                    e.cust = None
                e.shift_cache = {}
                e.n_tk = 0
                self.set_team(e, T)
                self.emps.append(e)
                i += 1
        # account-manager portfolios
        top = list(range(min(len(self.sids), max(self.nbiz, 40) * 2)))
        self.sel_owner = {}
        for e in self.emps:
            if e.T1["k"] == "sm":
                e.portfolio = sorted(rs.sample(top, min(len(top), rs.randint(4, 10))))
                for s in e.portfolio:
                    self.sel_owner.setdefault(s, []).append(e)
        self.qa_emps = [e for e in self.emps if e.T1["k"] == "qa"]
        # HR dynamics: new hires, leavers, role changes (never the same person twice)
        pool = list(range(N))
        rs.shuffle(pool)
        nh = max(1, int(round(0.02 * N)))
        nl = max(1, int(round(0.03 * N)))
        nc = max(1, int(round(0.02 * N)))
        self.hr_new = [self.emps[i] for i in pool[:nh]]
        self.hr_leave = [self.emps[i] for i in pool[nh:nh + nl]]
        self.hr_change = [self.emps[i] for i in pool[nh + nl:nh + nl + nc]]
        self.hr_free = [self.emps[i] for i in pool[nh + nl + nc:]]
        span = self.a.days
        for e in self.hr_new:
            e.hire_day = self.W0 + rs.randint(2, max(2, span // 2))
            e.work_from = e.hire_day + 1
            e.hired_in_window = True
        for e in self.hr_leave:
            e.last_day = self.W0 + rs.randint(max(3, span // 3), span - 2)
            e.leave_reason = rs.choice(["resigned", "resigned", "transferred", "terminated"])
        moves = {"cs_ber": ["ts", "pay_ber", "lead"], "cs_lis": ["mod_lis", "ver"], "cs_mnl": ["mod_mnl"],
                 "mod_lis": ["ts", "ver"], "mod_mnl": ["cs_mnl"], "pay_ber": ["ts", "sm"], "pay_krk": ["pay_ber"],
                 "ret": ["cs_ber"], "ver": ["ts"], "ts": ["lead", "ver"], "sm": ["growth", "lead"],
                 "growth": ["sm"], "sre_bog": ["sre_ber"], "sre_ber": ["qa"], "legal": ["ts"], "qa": ["sre_ber"],
                 "lead": ["ts"]}
        for e in self.hr_change:
            e.change_day = self.W0 + rs.randint(max(2, span // 5), max(3, span - 3))
            e.T2 = TEAM[rs.choice(moves[e.T1["k"]])]
        self.stats["planted"]["employees"] = N
        self.stats["planted"]["new_hires"] = nh
        self.stats["planted"]["legit_leavers"] = nl
        self.stats["planted"]["role_changes"] = nc

    def set_team(self, e, T):
        e.actor = {"type": "employee", "id": e.id, "role": T["role"], "team": T["team"], "site": T["site"]}
        e.tool = T["tool"]
        e.src = TOOL_SRC[T["tool"]]

    def shift(self, e, day):
        c = e.shift_cache.get(day)
        if c is not None or day in e.shift_cache:
            return c
        res = self._shift(e, day)
        e.shift_cache[day] = res
        return res

    def _shift(self, e, day):
        if day < e.work_from or day > e.last_day or day < self.W0 or day in e.off:
            return None
        r = random.Random(self.seed * 1000003 + e.i * 7919 + day * 104729)
        if r.random() < 0.025:
            return None
        T = e.T(day)
        wd = day % 7
        pat = T["pat"]
        starts = T["starts"]
        if pat == "office":
            if wd >= 5:
                return None
            h = (e.start_h if e.start_h in starts else starts[0]) + r.uniform(-0.4, 0.8)
            L = r.uniform(7.6, 9.4)
        elif pat == "rota":
            if (day + e.phase) % 7 in (0, 1):
                return None
            h = starts[(day // 7 + e.phase) % len(starts)] + r.uniform(-0.2, 0.4)
            L = r.uniform(7.7, 8.6)
        elif pat == "bpo":
            if (day + e.phase) % 7 == 0:
                return None
            h = (e.start_h if e.start_h in starts else starts[0]) + r.uniform(0, 0.3)
            L = r.uniform(8.4, 9.2)
        else:  # returns hub: Mon-Sat with one weekday off, alternating early/late weeks
            if wd == 6 or wd == e.phase % 6:
                return None
            h = starts[(day // 7 + e.phase) % 2] + r.uniform(-0.1, 0.3)
            L = r.uniform(7.8, 8.3)
        if r.random() < 0.04:
            L += r.uniform(1.5, 3.5)      # overtime on a backlog day
        s = day * DAY + int((h - T["tz"]) * HOUR)
        s = max(s, day * DAY + 6 * MIN)
        en = min(s + int(L * HOUR), (day + 1) * DAY - 20 * MIN)
        return (s, en)

    # ------------------------------------------------------------------ emit helpers
    def act(self, e, t, action, tgt=None, fields=None, purpose=None, attrs=None, targets=None,
            outcome=None, tool=None, ins=None, disc=None, ip=None):
        o = {"actor": e.actor, "action": action}
        if tgt is not None:
            o["target"] = tgt
        if targets is not None:
            o["targets"] = targets
        if fields is not None:
            o["fields"] = fields
        if purpose is not None:
            o["purpose"] = purpose
        if outcome is not None:
            o["outcome"] = outcome
        tl = tool or e.tool
        at = {"tool": tl, "ip": ip or e.ipday, "session": "%s-%d" % (e.sess, t // DAY)}
        if attrs:
            at.update(attrs)
        o["attrs"] = at
        if self.out.emit(t, TOOL_SRC.get(tl, e.src), o):
            if t > e.last_act:
                e.last_act = t
            if ins is not None:
                ins.mark(t, disc)
            return True
        return False

    def sys_emit(self, t, sysid, action, tgt, attrs):
        self.out.emit(t, "sys", {"actor": {"type": "system", "id": sysid}, "action": action, "target": tgt, "attrs": attrs})

    def open_ticket(self, tk, opener):
        at = {"kind": tk.kind, "queue": tk.q}
        if tk.cust >= 0:
            at["customer"] = self.cids[tk.cust]
        if tk.sel >= 0:
            at["seller"] = self.sids[tk.sel]
        if tk.order >= 0:
            at["order"] = self.o_id[tk.order]
        if tk.review >= 0:
            at["review"] = self.r_id[tk.review]
        if tk.extra:
            at.update(tk.extra)
        if opener == "customer":
            actor = {"type": "customer", "id": self.cids[tk.cust]}
        elif opener == "seller":
            actor = {"type": "seller", "id": self.sids[tk.sel]}
        else:
            actor = {"type": "system", "id": opener}
        self.out.emit(tk.t_open, "tkt", {"actor": actor, "action": "ticket.open",
                                         "target": {"type": "ticket", "id": tk.id}, "attrs": at})

    def assign(self, e, t, tk):
        tk.assignee = e
        e.tickets.append((tk, t))
        e.n_tk += 1
        self.act(e, t, "ticket.assign", {"type": "ticket", "id": tk.id}, attrs={"queue": tk.q, "assignee": e.id})

    def close(self, e, t, tk, res):
        tk.t_close = t
        if e is None:
            self.sys_emit(t, "helpdesk", "ticket.close", {"type": "ticket", "id": tk.id}, {"resolution": res})
        else:
            self.act(e, t, "ticket.close", {"type": "ticket", "id": tk.id}, attrs={"resolution": res})
        L = self.recent_closed.setdefault(tk.q, [])
        L.append(tk)
        if len(L) > 600:
            del L[:200]

    def view(self, e, t, c, fields, purpose, ins=None, attrs=None, ip=None):
        return self.act(e, t, "customer.view", self.tc(c), fields=fields, purpose=purpose, attrs=attrs,
                        ins=ins, disc=(c,), ip=ip)

    def oview(self, e, t, oi, purpose, ins=None, ip=None):
        return self.act(e, t, "order.view", {"type": "order", "id": self.o_id[oi]}, purpose=purpose,
                        attrs={"customer": self.cids[self.o_cust[oi]], "seller": self.sids[self.o_sel[oi]]},
                        ins=ins, disc=(self.o_cust[oi],), ip=ip)

    def pp(self, tk, code, **kw):
        p = {"ticket": tk.id, "code": code}
        p.update(kw)
        return p

    # ------------------------------------------------------------------ lookups
    def recent_order(self, r, t, back_days=30, lo_days=0):
        lo = bisect.bisect_left(self.o_time, t - back_days * DAY)
        hi = bisect.bisect_left(self.o_time, t - lo_days * DAY)
        if hi <= lo:
            return -1
        for _ in range(6):
            oi = r.randrange(lo, hi)
            c = self.o_cust[oi]
            if not self.is_ht[c]:
                return oi
        return -1

    def sel_recent_orders(self, s, t, back_days, lo_days=0):
        L = self.sel_orders[s]
        T = self.sel_ord_t[s]
        lo = bisect.bisect_left(T, t - back_days * DAY)
        hi = bisect.bisect_left(T, t - lo_days * DAY)
        return [L[i] for i in range(lo, hi) if not self.is_ht[self.o_cust[L[i]]]]

    def sel_reviews(self, s, t, back_days=400):
        L = self.sel_revs[s]
        T = self.sel_rev_t[s]
        lo = bisect.bisect_left(T, t - back_days * DAY)
        hi = bisect.bisect_left(T, t)
        return L[lo:hi]

    def live(self, i, t):
        d = self.r_del.get(i)
        return self.r_time[i] < t and d is None

    # ------------------------------------------------------------------ pools
    def build_pools(self, d):
        self.pools = {}
        self.onshift = []
        for e in self.emps:
            sh = self.shift(e, d)
            if sh is None:
                continue
            e.ss, e.se = sh
            e.busy = e.ss
            if e.T(d)["pat"] == "office" and self.r.random() < 0.1:
                e.ipday = "100.64.%d.%d" % (self.r.randint(0, 255), self.r.randint(2, 250))   # working from home
            else:
                e.ipday = e.ip
            self.onshift.append(e)
            T = e.T(d)
            w = 2 if (e.leave_reason and d >= e.last_day - 1) else 1   # busy last days
            for q in T["q"]:
                L = self.pools.setdefault(q, [])
                for _ in range(w):
                    L.append(e)

    def pick(self, q, t, prefer=None):
        r = self.r
        best = None
        if prefer:
            for e in prefer:
                if e.ss and self.shift(e, t // DAY) is not None and e in self.onshift_set:
                    s = max(t, e.ss, e.busy)
                    if s < e.se - 10 * MIN and (best is None or s < best[1]):
                        best = (e, s)
            if best:
                return best
        L = self.pools.get(q)
        if not L:
            return None
        for _ in range(5):
            e = L[r.randrange(len(L))]
            s = max(t, e.ss, e.busy)
            if s < e.se - 10 * MIN and (best is None or s < best[1]):
                best = (e, s)
        if best is None:
            for e in L:
                s = max(t, e.ss, e.busy)
                if s < e.se - 10 * MIN and (best is None or s < best[1]):
                    best = (e, s)
        return best

    def later(self, day, item):
        if day < self.ndays:
            self.future.setdefault(day, []).append(item)

    # ------------------------------------------------------------------ ticket generation
    def day_tickets(self, d):
        r = self.r
        fc = self.fc
        wd = d % 7
        wk = wd >= 5
        items = []
        base = d * DAY

        def n_of(mean):
            x = mean * r.uniform(0.8, 1.2)
            k = int(x)
            if r.random() < x - k:
                k += 1
            return k

        # customer support (all week)
        for _ in range(n_of(1050 * fc * (0.8 if wk else 1.0))):
            t = base + self.cust_time(r)
            oi = self.recent_order(r, t, 35)
            if oi < 0:
                continue
            x = r.random()
            kind = "order_issue" if x < 0.7 else ("account" if x < 0.9 else "other")
            tk = Tk(self.tid("CS"), "cs", "cs", t, self.o_cust[oi], self.o_sel[oi], oi, kind=kind)
            self.open_ticket(tk, "customer")
            items.append((t + r.randint(2, 90) * MIN, tk))
        # celebrity VIP tickets
        for c in self.celebs:
            if r.random() < 0.2 and c in self.cust_orders:
                t = base + self.cust_time(r)
                ol = [o for o in self.cust_orders[c] if self.o_time[o] < t - HOUR]
                if ol:
                    oi = ol[-1 - r.randrange(min(5, len(ol)))]
                    tk = Tk(self.tid("CS"), "cs", "cs", t, c, self.o_sel[oi], oi, kind="order_issue", extra={"priority": "vip"})
                    self.open_ticket(tk, "customer")
                    items.append((t + r.randint(2, 30) * MIN, tk))
                    self.la("vip_tickets")
        # payments: refunds (customer), chargebacks (card network)
        for _ in range(n_of(240 * fc * (0.7 if wk else 1.0))):
            t = base + self.cust_time(r)
            oi = self.recent_order(r, t, 45, 2)
            if oi < 0:
                continue
            tk = Tk(self.tid("RFD"), "pay", "rfd", t, self.o_cust[oi], self.o_sel[oi], oi, kind="order_issue")
            self.open_ticket(tk, "customer")
            items.append((t + r.randint(10, 600) * MIN, tk))
        for _ in range(n_of(45 * fc)):
            t = base + r.randrange(DAY)
            oi = self.recent_order(r, t, 90, 5)
            if oi < 0:
                continue
            tk = Tk(self.tid("CBK"), "pay", "cbk", t, self.o_cust[oi], self.o_sel[oi], oi, kind="fraud_report",
                    extra={"network": r.choice(["visa", "mc", "amex", "paypal"])})
            self.open_ticket(tk, "card-network")
            items.append((t + r.randint(30, 900) * MIN, tk))
        # payout holds: risk engine flags a seller, analysts review its recent buyers
        if not wk:
            for _ in range(n_of(2.5 * fc ** 0.7)):
                t = base + r.randint(5, 15) * HOUR
                s = bisect.bisect_left(self.sel_cum, r.random() * self.sel_cum[-1])
                s = min(s, len(self.sids) - 1)
                tk = Tk(self.tid("PHD"), "pay", "phd", t, -1, s, kind="fraud_report",
                        extra={"signal": r.choice(["refund_spike", "new_bank_account", "velocity"])})
                self.open_ticket(tk, "risk-engine")
                items.append((t + r.randint(10, 240) * MIN, tk))
        # returns batches at the hub (Mon-Sat), mostly business sellers
        if wd != 6:
            for _ in range(n_of(36 * fc)):
                t = base + r.randint(4 * 60, 18 * 60) * MIN
                s = r.randrange(self.nbiz) if r.random() < 0.75 else min(len(self.sids) - 1, bisect.bisect_left(self.sel_cum, r.random() * self.sel_cum[-1]))
                tk = Tk(self.tid("SHP"), "ret", "shp", t, -1, s, kind="other",
                        extra={"batch": "RB%05d" % r.randrange(100000), "dock": r.randint(1, 12)})
                self.open_ticket(tk, "hub-wms")
                items.append((t + r.randint(5, 120) * MIN, tk))
        # seller verification (KYC onboarding / refresh)
        if not wk:
            for _ in range(n_of(22 * fc ** 0.8)):
                t = base + self.cust_time(r)
                s = r.randrange(len(self.sids))
                tk = Tk(self.tid("VER"), "ver", "ver", t, -1, s, kind="account",
                        extra={"check": r.choice(["kyc_refresh", "onboarding", "bank_change", "vat_id"])})
                self.open_ticket(tk, "seller")
                items.append((t + r.randint(20, 1200) * MIN, tk))
        # trust & safety reports from buyers
        for _ in range(n_of(9 * fc)):
            t = base + self.cust_time(r)
            oi = self.recent_order(r, t, 60, 1)
            if oi < 0:
                continue
            tk = Tk(self.tid("TS"), "ts", "tsr", t, self.o_cust[oi], self.o_sel[oi], oi, kind="fraud_report",
                    extra={"category": r.choice(["counterfeit", "counterfeit", "not_as_described", "scam"])})
            self.open_ticket(tk, "customer")
            items.append((t + r.randint(30, 1200) * MIN, tk))
        # moderation: seller disputes of individual reviews, auto-flags
        for _ in range(n_of(120 * fc * (0.6 if wk else 1.0))):
            t = base + self.cust_time(r)
            s = r.randrange(self.nbiz) if r.random() < 0.55 else min(len(self.sids) - 1, bisect.bisect_left(self.sel_cum, r.random() * self.sel_cum[-1]))
            rl = [i for i in self.sel_reviews(s, t, 45) if self.r_rating[i] <= 3 and self.live(i, t) and not self.is_ht[self.r_cust[i]]]
            if not rl:
                continue
            ri = r.choice(rl)
            tk = Tk(self.tid("MOD"), "mod", "dispute", t, self.r_cust[ri], s, review=ri, kind="review_dispute")
            self.open_ticket(tk, "seller")
            items.append((t + r.randint(10, 600) * MIN, tk))
        for _ in range(n_of(75 * fc)):
            t = base + r.randrange(DAY)
            lo = bisect.bisect_left(self.r_time, t - 3 * DAY)
            hi = bisect.bisect_left(self.r_time, t)
            if hi <= lo:
                continue
            ri = r.randrange(lo, hi)
            if not self.live(ri, t) or self.is_ht[self.r_cust[ri]]:
                continue
            tk = Tk(self.tid("MOD"), "mod", "flag", t, self.r_cust[ri], self.r_sel[ri], review=ri, kind="review_dispute",
                    extra={"signal": r.choice(["profanity", "personal_data", "link_spam", "off_platform"])})
            self.open_ticket(tk, "modq-autoflag")
            items.append((t + r.randint(5, 240) * MIN, tk))
        # seller-success: sellers asking about specific buyers/orders
        if not wk:
            for _ in range(n_of(95 * fc)):
                t = base + self.cust_time(r)
                if r.random() < 0.7 and self.sel_owner:
                    s = r.choice(list(self.sel_owner.keys()))
                else:
                    s = r.randrange(self.nbiz)
                ol = self.sel_recent_orders(s, t, 40, 0)
                if not ol:
                    continue
                oi = r.choice(ol)
                tk = Tk(self.tid("SLR"), "slr", "slr", t, self.o_cust[oi], s, oi, kind="order_issue")
                self.open_ticket(tk, "seller")
                items.append((t + r.randint(10, 400) * MIN, tk))
        # privacy: data-subject requests and authority requests
        for _ in range(n_of(3.5 * fc)):
            t = base + self.cust_time(r)
            oi = self.recent_order(r, t, 200)
            if oi < 0:
                continue
            tk = Tk(self.tid("DSR"), "legal", "dsr", t, self.o_cust[oi], -1, kind="account",
                    extra={"request": r.choice(["access", "access", "erasure", "portability"])})
            self.open_ticket(tk, "customer")
            items.append((t + r.randint(60, 2000) * MIN, tk))
        if not wk and r.random() < 0.6 * fc ** 0.5:
            t = base + r.randint(8, 16) * HOUR
            oi = self.recent_order(r, t, 200)
            if oi >= 0:
                tk = Tk(self.tid("LGL"), "legal", "lgl", t, self.o_cust[oi], self.o_sel[oi], oi, kind="other",
                        extra={"authority": r.choice(["police-de", "police-nl", "court-pt", "tax-office"])})
                self.open_ticket(tk, "legal-intake")
                items.append((t + r.randint(60, 1800) * MIN, tk))
        # spam waves detected
        for wi, w in enumerate(self.waves):
            tflag = w["t_end"] + 25 * MIN
            if tflag // DAY == d and not w.get("opened"):
                w["opened"] = True
                tk = Tk(self.tid("MOD"), "mod", "wave", tflag, -1, w["sel"], kind="review_dispute",
                        extra={"signal": "review_burst", "count": w["n"], "polarity": "negative" if w["neg"] else "positive"})
                tk.extra = dict(tk.extra)
                self.open_ticket(tk, "modq-autoflag")
                tk.extra["wave"] = wi
                items.append((tflag + r.randint(10, 300) * MIN, tk))
                self.la("spam_wave_cleanups")
                if not w["neg"]:
                    # paid 5-star burst -> trust & safety ring investigation too
                    self.ts_ring(d, w["sel"], tflag + HOUR, items)
        # extra ring investigations
        if not wk and r.random() < 0.3 * fc ** 0.5:
            s = min(len(self.sids) - 1, bisect.bisect_left(self.sel_cum, r.random() * self.sel_cum[-1] * 0.95))
            if s not in self.ht_sellers:
                self.ts_ring(d, s, base + r.randint(7, 14) * HOUR, items)
        # incidents (any hour)
        if r.random() < 0.28:
            t = base + r.randrange(DAY)
            tk = Tk(self.tid("INC"), "inc", "inc", t, -1, -1, kind="other",
                    extra={"severity": r.choice(["sev2", "sev2", "sev1", "sev3"]),
                           "service": r.choice(["checkout", "payouts", "search", "messaging", "address-book"])})
            self.open_ticket(tk, "pagerduty")
            items.append((t + r.randint(3, 25) * MIN, tk))
        return items

    def ts_ring(self, d, s, t, items):
        if s in self.ht_sellers:
            return
        tk = Tk(self.tid("TS"), "ts", "ring", t, -1, s, kind="fraud_report",
                extra={"signal": "review_ring", "category": "review_manipulation"})
        self.open_ticket(tk, "risk-engine")
        items.append((t + self.r.randint(20, 300) * MIN, tk))
        self.la("ts_review_ring_investigations")

    # ------------------------------------------------------------------ ticket handlers
    def run_item(self, d, t_ready, tk):
        r = self.r
        if tk.q == "inc":
            return self.h_inc(d, t_ready, tk)
        prefer = None
        if tk.q == "slr":
            prefer = self.sel_owner.get(tk.sel)
        pk = self.pick(tk.q, t_ready, prefer)
        if pk is None:
            if d + 1 < self.ndays:
                self.later(d + 1, ("tk", tk))
            return
        e, s = pk
        t = s + r.randint(5, 120) * SEC
        self.assign(e, t, tk)
        t += r.randint(10, 90) * SEC
        t = getattr(self, "h_" + tk.h)(e, t, tk)
        e.busy = t + r.randint(1, 8) * MIN

    def gap(self, lo=15, hi=150):
        return self.r.randint(lo, hi) * SEC + self.r.randrange(1000)

    def finish(self, e, t, tk, res, pend_p=0.0):
        r = self.r
        if r.random() < pend_p:
            # waiting on customer; auto-closed by the helpdesk later, sometimes a follow-up look first
            tc = t + r.randint(2, 6) * DAY + r.randrange(DAY)
            tk.t_close = tc
            self.sys_emit(tc, "helpdesk", "ticket.close", {"type": "ticket", "id": tk.id}, {"resolution": "auto_closed"})
            if r.random() < 0.5 and tk.cust >= 0:
                self.later(t // DAY + r.randint(1, 2), ("follow", e, tk, False))
            return t
        t += r.randint(30, 400) * SEC
        self.close(e, t, tk, res)
        if tk.cust >= 0 and r.random() < 0.02:
            # customer writes back after closure; the agent looks again under the closed ticket
            self.later(t // DAY + r.randint(1, 3), ("follow", e, tk, True))
        return t

    def h_cs(self, e, t, tk):
        r = self.r
        p = self.pp(tk, "customer_request")
        if r.random() < 0.18:
            tg = [self.cids[tk.cust]]
            for _ in range(r.choice([0, 0, 1, 2])):
                tg.append(self.cids[r.randrange(self.a.customers)])
            tg = [x for x in tg if x not in self.ht_ids]
            self.act(e, t, "customer.search", targets=tg, fields=["name", "email"], purpose=p,
                     attrs={"query": r.choice(["email:*", "phone:*", "name:*", "order:*"])})
            t += self.gap()
        self.view(e, t, tk.cust, F_CS_ORDER if tk.kind == "order_issue" else F_CS_ACCT, p)
        if tk.order >= 0 and r.random() < 0.85:
            t += self.gap()
            self.oview(e, t, tk.order, p)
        ol = self.cust_orders.get(tk.cust, [])
        for _ in range(r.choice([0, 0, 1, 2])):
            oi = ol[r.randrange(len(ol))]
            if self.o_time[oi] < t:
                t += self.gap()
                self.oview(e, t, oi, p)
        if r.random() < 0.04:
            # escalate to payments ops; the ticket gets a second assignee
            self.later_same_day_escalation(e, t, tk)
            return t
        if r.random() < 0.02:
            # a teammate on shift takes a second look (ticket not assigned to them)
            L = self.pools.get("cs", [])
            if L:
                e2 = L[r.randrange(len(L))]
                if e2 is not e and e2.ss < t + 5 * MIN < e2.se:
                    self.view(e2, t + r.randint(2, 20) * MIN, tk.cust, F_CS_ORDER, p)
                    self.la("second_opinion_views")
        return self.finish(e, t, tk, r.choice(["resolved", "resolved", "answered", "refund_initiated"]), 0.12)

    def later_same_day_escalation(self, e, t, tk):
        pk = self.pick("pay", t + 10 * MIN)
        if pk is None:
            self.finish(e, t, tk, "resolved")
            return
        e2, s = pk
        tk.q = "pay"
        t2 = s + self.gap()
        self.assign(e2, t2, tk)
        p = self.pp(tk, "customer_request")
        t2 += self.gap()
        self.view(e2, t2, tk.cust, F_PAY, p)
        if tk.order >= 0:
            t2 += self.gap()
            self.oview(e2, t2, tk.order, p)
        e2.busy = self.finish(e2, t2, tk, "refund_initiated")
        self.la("escalations")

    def h_rfd(self, e, t, tk):
        r = self.r
        p = self.pp(tk, "customer_request")
        self.view(e, t, tk.cust, F_PAY, p)
        t += self.gap()
        self.oview(e, t, tk.order, p)
        if r.random() < 0.3:
            t += self.gap()
            self.act(e, t, "x.payout.view", self.ts_(tk.sel), fields=["payment"], purpose=p)
        return self.finish(e, t, tk, r.choice(["refunded", "refunded", "partial_refund", "declined"]), 0.1)

    def h_cbk(self, e, t, tk):
        r = self.r
        p = self.pp(tk, "fraud_investigation")
        self.oview(e, t, tk.order, p)
        t += self.gap()
        self.view(e, t, tk.cust, F_PAY, p)
        ol = self.cust_orders.get(tk.cust, [])
        for _ in range(r.randint(0, 3)):
            oi = ol[r.randrange(len(ol))]
            if self.o_time[oi] < t:
                t += self.gap(10, 60)
                self.oview(e, t, oi, p)
        return self.finish(e, t, tk, r.choice(["won", "lost", "accepted"]), 0.2)

    def h_phd(self, e, t, tk):
        r = self.r
        p = self.pp(tk, "fraud_investigation")
        self.act(e, t, "x.payout.view", self.ts_(tk.sel), fields=["payment", "account"], purpose=p)
        ol = self.sel_recent_orders(tk.sel, t, 30)
        k = min(len(ol), r.randint(8, 35))
        for oi in r.sample(ol, k):
            t += self.gap(20, 100)
            self.oview(e, t, oi, p)
            if r.random() < 0.6:
                t += self.gap(5, 40)
                self.view(e, t, self.o_cust[oi], F_PAY, p)
        self.la("payout_hold_reviews")
        return self.finish(e, t, tk, r.choice(["hold_released", "hold_released", "hold_extended"]))

    def h_shp(self, e, t, tk):
        r = self.r
        p = self.pp(tk, "customer_request", reason="return label")
        ol = self.sel_recent_orders(tk.sel, t, 25, 4)
        k = min(len(ol), r.randint(10, 55))
        for oi in r.sample(ol, k):
            t += self.gap(8, 45)
            self.oview(e, t, oi, p)
            t += self.gap(3, 20)
            self.view(e, t, self.o_cust[oi], F_ADDR, p)
        return self.finish(e, t, tk, "batch_dispatched")

    def h_ver(self, e, t, tk):
        r = self.r
        p = self.pp(tk, "seller_request")
        self.act(e, t, "x.seller.view", self.ts_(tk.sel), fields=F_KYC, purpose=p)
        if r.random() < 0.4:
            t += self.gap(60, 600)
            self.act(e, t, "x.seller.view", self.ts_(tk.sel), fields=["account"], purpose=p)
        return self.finish(e, t, tk, r.choice(["verified", "verified", "verified", "rejected", "more_info_needed"]), 0.15)

    def h_apl(self, e, t, tk):
        r = self.r
        p = self.pp(tk, "seller_request")
        s = tk.sel
        self.act(e, t, "x.seller.view", self.ts_(s), fields=F_KYC, purpose=p)
        t += self.gap(120, 900)
        grant = tk.extra.get("_grant", r.random() < 0.45) if tk.extra else r.random() < 0.45
        if grant and s in self.sel_ban:
            self.act(e, t, "account.reactivate", self.ts_(s), purpose=p, attrs={"appeal": tk.id})
            del self.sel_ban[s]
            self.la("legit_appeal_reactivations")
            return self.finish(e, t, tk, "reinstated")
        return self.finish(e, t, tk, "upheld")

    def h_tsr(self, e, t, tk):
        r = self.r
        p = self.pp(tk, "fraud_investigation")
        self.view(e, t, tk.cust, ["name", "email", "orders"], p)
        t += self.gap()
        self.oview(e, t, tk.order, p)
        t += self.gap()
        self.act(e, t, "x.seller.view", self.ts_(tk.sel), fields=["account"], purpose=p)
        if tk.extra and tk.extra.get("category") == "counterfeit" and r.random() < 0.35:
            ol = self.sel_recent_orders(tk.sel, t, 60)
            for oi in r.sample(ol, min(len(ol), r.randint(5, 20))):
                t += self.gap(20, 90)
                self.oview(e, t, oi, p)
                t += self.gap(5, 30)
                self.view(e, t, self.o_cust[oi], ["name", "email", "orders"], p)
            self.la("counterfeit_buyer_sweeps")
            if r.random() < 0.3 and tk.sel not in self.sel_ban and tk.sel >= 20:
                t += self.gap()
                self.act(e, t, "account.suspend", self.ts_(tk.sel), purpose=p, attrs={"reason": "counterfeit"})
                self.sel_ban[tk.sel] = t
                self.schedule_appeal(tk.sel, t, "counterfeit")
        return self.finish(e, t, tk, r.choice(["no_action", "warning_sent", "refund_forced"]), 0.1)

    def h_ring(self, e, t, tk):
        r = self.r
        p = self.pp(tk, "fraud_investigation")
        s = tk.sel
        self.act(e, t, "x.seller.view", self.ts_(s), fields=["account"], purpose=p)
        rl = self.sel_reviews(s, t, 120)
        seen = []
        sc = set()
        for i in rl:
            c = self.r_cust[i]
            if c not in sc and not self.is_ht[c]:
                sc.add(c)
                seen.append(c)
        if len(seen) > 140:
            seen = r.sample(seen, 140)
        for c in seen:
            t += self.gap(15, 75)
            if t > e.se + 2 * HOUR:
                break
            self.view(e, t, c, F_TS, p)
        fives = [i for i in rl if self.r_rating[i] == 5 and self.live(i, t)]
        if fives and r.random() < 0.5:
            t += self.gap()
            if s not in self.sel_ban:
                self.act(e, t, "account.suspend", self.ts_(s), purpose=p, attrs={"reason": "review_manipulation"})
                self.sel_ban[s] = t
                self.schedule_appeal(s, t, "review_manipulation")
            for i in r.sample(fives, min(len(fives), r.randint(5, 30))):
                t += self.gap(10, 40)
                self.act(e, t, "review.delete", {"type": "review", "id": self.r_id[i]}, purpose=p,
                         attrs={"reason": "spam"})
                self.r_del[i] = t
            res = "ring_confirmed"
        else:
            res = "no_ring_found"
        return self.finish(e, t, tk, res)

    def h_banrev(self, e, t, tk):
        r = self.r
        p = self.pp(tk, "fraud_investigation")
        s = tk.sel
        self.act(e, t, "x.seller.view", self.ts_(s), fields=F_KYC, purpose=p)
        ol = self.sel_recent_orders(s, t, 20)
        for oi in r.sample(ol, min(len(ol), r.randint(0, 4))):
            t += self.gap(20, 90)
            self.oview(e, t, oi, p)
        t += self.gap(60, 900)
        if s in self.sel_ban and self.sel_ban[s] < t and r.random() < 0.6:
            p2 = dict(p)
            p2["reason"] = "false positive"
            self.act(e, t, "account.reactivate", self.ts_(s), purpose=p2)
            del self.sel_ban[s]
            self.la("ban_reversals_without_appeal")
            return self.finish(e, t, tk, "ban_reversed")
        return self.finish(e, t, tk, "ban_confirmed")

    def h_dispute(self, e, t, tk):
        r = self.r
        p = self.pp(tk, "seller_request")
        ri = tk.review
        if r.random() < 0.5:
            self.view(e, t, tk.cust, F_REV, p)
            t += self.gap()
        if self.live(ri, t) and r.random() < 0.42:
            self.act(e, t, "review.delete", {"type": "review", "id": self.r_id[ri]}, purpose=p,
                     attrs={"reason": r.choice(["abuse", "off_topic", "seller_request", "other", "off_topic"])})
            self.r_del[ri] = t
            if r.random() < 0.06:
                self.later(t // DAY + r.randint(1, 6), ("restore", ri, tk.cust, tk.sel))
            return self.finish(e, t, tk, "removed")
        return self.finish(e, t, tk, "kept")

    def h_flag(self, e, t, tk):
        r = self.r
        p = self.pp(tk, "quality_review")
        ri = tk.review
        if self.live(ri, t) and r.random() < 0.65:
            self.act(e, t, "review.delete", {"type": "review", "id": self.r_id[ri]}, purpose=p,
                     attrs={"reason": r.choice(["abuse", "abuse", "spam", "other"])})
            self.r_del[ri] = t
            return self.finish(e, t, tk, "removed")
        return self.finish(e, t, tk, "kept")

    def h_restore(self, e, t, tk):
        p = self.pp(tk, "customer_request")
        self.view(e, t, tk.cust, F_REV, p)
        t += self.gap()
        ri = tk.review
        if ri in self.r_del:
            self.act(e, t, "review.restore", {"type": "review", "id": self.r_id[ri]}, purpose=p)
            del self.r_del[ri]
            self.la("review_restores")
        return self.finish(e, t, tk, "restored")

    def h_wave(self, e, t, tk):
        r = self.r
        p = self.pp(tk, "quality_review")
        wi = tk.extra["wave"]
        rl = [i for i in self.wave_revs[wi] if self.live(i, t)]
        if r.random() < 0.3:
            for i in rl[:r.randint(1, 4)]:
                self.view(e, t, self.r_cust[i], F_REV, p)
                t += self.gap(10, 40)
        for i in rl:
            if r.random() < 0.93:
                t += self.gap(6, 35)
                self.act(e, t, "review.delete", {"type": "review", "id": self.r_id[i]}, purpose=p, attrs={"reason": "spam"})
                self.r_del[i] = t
        self.wave_sessions.append((e, tk, t))
        return self.finish(e, t, tk, "wave_removed")

    def h_slr(self, e, t, tk):
        r = self.r
        p = self.pp(tk, "seller_request")
        self.view(e, t, tk.cust, r.choice([F_CS_ORDER, ["name", "email", "orders"]]), p)
        t += self.gap()
        self.oview(e, t, tk.order, p)
        return self.finish(e, t, tk, r.choice(["answered", "resolved"]), 0.15)

    def h_dsr(self, e, t, tk):
        r = self.r
        p = self.pp(tk, "legal")
        self.view(e, t, tk.cust, F_ALL, p)
        t += self.gap(60, 600)
        self.act(e, t, "customer.export", targets=[self.cids[tk.cust]], fields=F_ALL, purpose=p,
                 attrs={"format": "json", "rows": 1})
        return self.finish(e, t, tk, "fulfilled")

    def h_lgl(self, e, t, tk):
        r = self.r
        p = self.pp(tk, "legal")
        self.view(e, t, tk.cust, F_LEGAL, p)
        ol = self.cust_orders.get(tk.cust, [])
        for oi in ol[-r.randint(1, 4):]:
            if self.o_time[oi] < t:
                t += self.gap()
                self.oview(e, t, oi, p)
        return self.finish(e, t, tk, "disclosed")

    def h_inc(self, d, t_ready, tk):
        r = self.r
        oc = [e for e in self.sre if self.shift_ok_alive(e, d)]
        if not oc:
            return
        e = oc[(d // 7) % len(oc)]
        t = t_ready
        self.act(e, t, "auth.login", tool="sso", attrs={"device": e.device, "mfa": "push"})
        t += self.gap(20, 120)
        self.assign(e, t, tk)
        p = {"ticket": tk.id, "code": "break_glass", "approval": "BG-%05d" % r.randrange(100000), "reason": "incident"}
        k = r.randint(3, 22)
        for _ in range(k):
            oi = self.recent_order(r, t, 3)
            if oi < 0:
                continue
            t += self.gap(30, 200)
            if r.random() < 0.5:
                self.oview(e, t, oi, p)
            else:
                self.view(e, t, self.o_cust[oi], r.choice([["account"], ["account", "orders"], ["address", "account"]]), p)
        self.la("break_glass_incidents")
        self.close(e, t + r.randint(20, 120) * MIN, tk, "mitigated")

    def shift_ok_alive(self, e, d):
        return e.work_from <= d <= e.last_day and e.T(d)["k"] in ("sre_bog", "sre_ber")

    # ------------------------------------------------------------------ bans & appeals
    def plan_bans(self):
        rw = self.rw
        self.bans = {}
        nb = max(3, int(round(self.a.days * 0.7 * self.fc ** 0.5)))
        ns = len(self.sids)
        for _ in range(nb):
            d = rw.randint(self.W0, self.ndays - 2)
            s = rw.randrange(min(20, ns - 1), ns)
            if s in self.ht_sellers:
                continue
            reason = rw.choice(["fraud", "fraud", "counterfeit", "policy", "review_manipulation"])
            self.bans.setdefault(d, []).append((s, reason, None))
        nc = max(2, int(round(self.a.days * 0.6 * self.fc ** 0.5)))
        for _ in range(nc):
            d = rw.randint(self.W0, self.ndays - 2)
            c = rw.randrange(self.a.customers)
            if self.is_ht[c] or c in self.celebs:
                continue
            self.bans.setdefault(d, []).append((-1 - c, rw.choice(["fraud", "policy", "other"]), None))

    def do_bans(self, d, items):
        r = self.r
        for s, reason, forced in self.bans.get(d, []):
            t = d * DAY + r.randint(1, 22) * HOUR + r.randrange(HOUR)
            if s >= 0:
                if s in self.sel_ban:
                    if forced is not None:
                        forced(max(self.sel_ban[s], t))
                    continue
                self.sys_emit(t, "risk-engine", "account.ban", self.ts_(s), {"reason": reason})
                self.sel_ban[s] = t
                if forced is None:
                    if r.random() < 0.18:
                        # automatic ban queued for human review; some turn out to be false positives
                        tb = t + r.randint(20, 180) * MIN
                        tk = Tk(self.tid("TS"), "ts", "banrev", tb, -1, s, kind="account",
                                extra={"signal": "auto_ban_review", "category": reason})
                        self.open_ticket(tk, "risk-engine")
                        items.append((tb + r.randint(5, 240) * MIN, tk))
                    self.schedule_appeal(s, t, reason)
                else:
                    forced(t)
                self.stats["planted"]["seller_bans"] = self.stats["planted"].get("seller_bans", 0) + 1
            else:
                c = -1 - s
                if c in self.cust_ban:
                    continue
                self.sys_emit(t, "risk-engine", "account.ban", self.tc(c), {"reason": reason})
                self.cust_ban[c] = t
                if r.random() < 0.35:
                    ta = t + r.randint(1, 5) * DAY
                    self.later(ta // DAY, ("cappeal", c, ta))

    def schedule_appeal(self, s, t, reason, grant=None, opener_delay=None):
        r = self.r
        if grant is None and (r.random() > 0.55 or s in self.ins_ban_sellers):
            return
        ta = t + (opener_delay or r.randint(1, 10) * DAY + r.randrange(DAY))
        self.later(ta // DAY, ("appeal", s, ta, grant))

    # ------------------------------------------------------------------ daily routines
    def routines(self, d, items):
        r = self.r
        wd = d % 7
        for e in self.onshift:
            k = e.T(d)["k"]
            # sign-in
            self.act(e, e.ss + r.randint(0, 240) * SEC, "auth.login", tool="sso", attrs={"device": e.device, "mfa": "push"})
            if r.random() < 0.35:
                self.act(e, e.ss + r.randint(3 * 60, 6 * 60) * MIN, "auth.login", tool="sso", attrs={"device": e.device, "mfa": "push"})
            if k in ("cs_ber", "cs_lis", "cs_mnl"):
                for _ in range(r.choice([1, 2, 2, 3, 4, 5])):
                    t = r.randint(e.ss + 10 * MIN, e.se - 20 * MIN)
                    oi = self.recent_order(r, t, 25)
                    if oi < 0:
                        continue
                    p = {"code": "customer_request", "reason": "live chat"}
                    at = {"channel": "chat", "chat": "CH%07d" % r.randrange(10 ** 7)}
                    self.view(e, t, self.o_cust[oi], F_CS_ORDER, p, attrs=at)
                    if r.random() < 0.6:
                        self.oview(e, t + self.gap(), oi, p)
                    self.la("live_chat_lookups")
            elif k in ADHOC and r.random() < 0.3:
                # ad-hoc lookups without a ticket (phone calls, carrier callbacks, reviewer history checks)
                reason, code, fields = ADHOC[k]
                for _ in range(r.choice([1, 1, 2])):
                    t = r.randint(e.ss + 10 * MIN, e.se - 20 * MIN)
                    if k in ("mod_lis", "mod_mnl"):
                        lo = bisect.bisect_left(self.r_time, t - 5 * DAY)
                        hi = bisect.bisect_left(self.r_time, t)
                        if hi <= lo:
                            continue
                        c = self.r_cust[r.randrange(lo, hi)]
                    elif k == "sm" and e.portfolio:
                        ol = self.sel_recent_orders(r.choice(e.portfolio), t, 30)
                        if not ol:
                            continue
                        c = self.o_cust[r.choice(ol)]
                    else:
                        oi = self.recent_order(r, t, 40)
                        if oi < 0:
                            continue
                        c = self.o_cust[oi]
                    if self.is_ht[c]:
                        continue
                    p = {"code": code, "reason": reason} if r.random() < 0.85 else None
                    self.view(e, t, c, fields, p)
                    self.la("adhoc_lookups_without_ticket")
            elif k == "growth":
                if wd == e.phase % 2:  # weekly cohort export on Mon or Tue
                    self.growth_export(e, d, r.randint(400, 3000), "weekly cohort report")
                for _ in range(r.randint(0, 3)):
                    t = r.randint(e.ss + 20 * MIN, e.se - 20 * MIN)
                    lo = bisect.bisect_left(self.o_time, t - 14 * DAY)
                    hi = bisect.bisect_left(self.o_time, t)
                    if hi - lo < 50:
                        continue
                    tg = sorted({self.cids[self.o_cust[r.randrange(lo, hi)]] for _ in range(r.randint(20, 140))} - self.ht_ids)
                    self.act(e, t, "customer.search", targets=tg, fields=["orders"],
                             purpose={"code": "quality_review", "reason": "segment sizing"},
                             attrs={"query": r.choice(["segment:lapsed_90d", "segment:first_purchase", "cohort:%d" % (d // 7), "segment:high_aov"])})
            elif k == "qa":
                n = r.randint(15, 45) if wd in (1, 3) else r.randint(0, 6)
                t = r.randint(e.ss + 30 * MIN, e.ss + 4 * HOUR)
                for _ in range(n):
                    c = r.choice(self.test_accts)
                    t += self.gap(20, 300)
                    self.view(e, t, c, r.choice([F_CS_ORDER, F_PAY, F_ALL, F_CS_ACCT]),
                              r.choice([None, {"code": "quality_review", "reason": "release regression"}]))
                if n:
                    self.la("qa_demo_account_sessions")
            elif k == "lead":
                for _ in range(r.randint(1, 7)):
                    q = r.choice(["cs", "cs", "pay", "mod"])
                    L = self.recent_closed.get(q)
                    if not L:
                        continue
                    tk = L[r.randrange(max(0, len(L) - 200), len(L))]
                    t = r.randint(e.ss + 10 * MIN, e.se - 10 * MIN)
                    if tk.cust < 0 or tk.t_close is None or tk.t_close >= t:
                        continue
                    self.view(e, t, tk.cust, ["name", "orders", "reviews"],
                              {"ticket": tk.id, "code": "quality_review", "reason": "qa sampling"})
                    self.la("lead_spot_checks_on_closed_tickets")
            elif k in ("sre_bog", "sre_ber"):
                if r.random() < 0.04:
                    c = r.choice(self.test_accts)
                    self.act(e, r.randint(e.ss, e.se - HOUR), "customer.view", self.tc(c), fields=["account"])
            # legit leaver handover: analysts & leads export their working lists with approval
            if e.leave_reason and d == e.last_day and k in ("growth", "sm", "lead") :
                self.growth_export(e, d, r.randint(50, 400), "handover report")
                self.la("leaver_handover_exports")

    def growth_export(self, e, d, n, reason):
        r = self.r
        t = r.randint(e.ss + 20 * MIN, max(e.ss + 21 * MIN, e.se - 60 * MIN))
        lo = bisect.bisect_left(self.o_time, t - 60 * DAY)
        hi = bisect.bisect_left(self.o_time, t)
        if hi - lo < 100:
            return
        if e.T(d)["k"] == "sm" and e.portfolio:
            pool = []
            for s in e.portfolio:
                pool.extend(self.o_cust[oi] for oi in self.sel_recent_orders(s, t, 60))
            ids = sorted({self.cids[c] for c in pool} - self.ht_ids)[:n]
        else:
            ids = sorted({self.cids[self.o_cust[r.randrange(lo, hi)]] for _ in range(n)} - self.ht_ids)
        if not ids:
            return
        p = {"code": "quality_review", "reason": reason, "approval": "APR-%06d" % r.randrange(10 ** 6)}
        self.export(e, t, ids, p, r.choice(["csv", "parquet"]))
        self.la("approved_exports")

    def export(self, e, t, ids, purpose, fmt, ins=None, fields=None, outcome=None):
        r = self.r
        CH = 2000
        parts = [ids[i:i + CH] for i in range(0, len(ids), CH)]
        batch = "bx-%08x" % r.getrandbits(32)
        for k, part in enumerate(parts):
            at = {"format": fmt, "rows": len(part)}
            if len(parts) > 1:
                at.update({"batch": batch, "part": k + 1, "parts": len(parts)})
            self.act(e, t + k * 2 * SEC, "customer.export", targets=part, fields=fields or ["name", "email", "orders"],
                     purpose=purpose, attrs=at, ins=ins, disc=[self.cidx[x] for x in part] if ins else None,
                     outcome=outcome)

    def do_future(self, d, items):
        r = self.r
        for it in self.future.pop(d, []):
            kind = it[0]
            if kind == "tk":
                items.append((d * DAY + r.randint(5, 60) * MIN, it[1]))
            elif kind == "follow":
                _, e, tk, closed = it
                sh = self.shift(e, d)
                if sh is None or tk.q not in e.T(d)["q"]:
                    continue
                t = r.randint(sh[0] + 5 * MIN, sh[1] - 5 * MIN)
                if t <= tk.t_open:
                    continue
                code = "customer_request" if tk.q in ("cs", "pay") else "seller_request"
                self.view(e, t, tk.cust, F_CS_ORDER, {"ticket": tk.id, "code": code})
                self.la("followups_after_close" if (tk.t_close is not None and tk.t_close < t) else "followups_open")
            elif kind == "appeal":
                _, s, ta, grant = it
                if s not in self.sel_ban or self.sel_ban[s] >= ta:
                    continue
                tk = Tk(self.tid("APL"), "ver", "apl", ta, -1, s, kind="appeal")
                self.open_ticket(tk, "seller")
                if grant is not None:
                    tk.extra = {"_grant": grant}
                items.append((ta + r.randint(30, 1500) * MIN, tk))
                self.la("seller_appeals")
            elif kind == "cappeal":
                _, c, ta = it
                if c not in self.cust_ban:
                    continue
                tk = Tk(self.tid("CS"), "ts", "cappeal", ta, c, -1, kind="appeal")
                self.open_ticket(tk, "customer")
                items.append((ta + r.randint(30, 1500) * MIN, tk))
            elif kind == "restore":
                _, ri, c, s = it
                if ri not in self.r_del:
                    continue
                t = d * DAY + self.cust_time(r)
                if t <= self.r_del[ri]:
                    continue
                tk = Tk(self.tid("MOD"), "mod", "restore", t, c, s, review=ri, kind="review_dispute")
                self.open_ticket(tk, "customer")
                items.append((t + r.randint(30, 900) * MIN, tk))
            elif kind == "call":
                it[1](d, items)

    def h_cappeal(self, e, t, tk):
        r = self.r
        p = self.pp(tk, "customer_request")
        self.view(e, t, tk.cust, ["name", "email", "account", "orders"], p)
        t += self.gap(60, 600)
        if r.random() < 0.5 and tk.cust in self.cust_ban:
            self.act(e, t, "account.reactivate", self.tc(tk.cust), purpose=p, attrs={"appeal": tk.id})
            del self.cust_ban[tk.cust]
            return self.finish(e, t, tk, "reinstated")
        return self.finish(e, t, tk, "upheld")

    # ------------------------------------------------------------------ HR
    def hr_day(self, d):
        r = self.r
        for e in self.emps:
            if e.hired_in_window and e.hire_day == d:
                t = d * DAY + r.randint(7 * 60, 9 * 60) * MIN
                T = e.T1
                self.sys_emit(t, "workday", "employee.hire", {"type": "employee", "id": e.id},
                              {"role": T["role"], "team": T["team"], "site": T["site"]})
            if e.change_day == d:
                T = e.T2
                self.sys_emit(d * DAY + 60 * SEC + e.i, "workday", "employee.change", {"type": "employee", "id": e.id},
                              {"role": T["role"], "team": T["team"], "site": T["site"]})
                self.set_team(e, T)
                e.ip = "%s.%d.%d" % (SITE_NET[T["site"]], r.randint(0, 40), r.randint(2, 250))
            if e.leave_reason and e.last_day == d - 1:
                t = max(e.last_act + r.randint(30, 180) * MIN, d * DAY + r.randint(6 * 60, 10 * 60) * MIN)
                self.sys_emit(t, "workday", "employee.leave", {"type": "employee", "id": e.id}, {"reason": e.leave_reason})

    # ------------------------------------------------------------------ insiders
    def find_ticket(self, e, t, sel=None, cust=None, allow_closed=False):
        best_any = None
        best_closed = None
        for tk, ta in reversed(e.tickets[-400:]):
            if ta >= t or tk.t_open >= t:
                continue
            open_ = tk.t_close is None or tk.t_close > t
            if open_:
                if sel is not None and tk.sel == sel:
                    return tk
                if best_any is None:
                    best_any = tk
            elif best_closed is None:
                best_closed = tk
        if best_any is not None:
            return best_any
        return best_closed if allow_closed else None

    def ins_time(self, ins, d, evening_ok=True):
        e = ins.emp
        sh = self.shift(e, d)
        ri = self.ri
        if sh is None:
            return None, None
        if not ins.subtle and evening_ok and ri.random() < 0.3:
            t = sh[1] + ri.randint(60, 240) * MIN
            if t < (d + 1) * DAY - 10 * MIN:
                return t, "100.64.%d.%d" % (ri.randint(0, 255), ri.randint(2, 250))
        return ri.randint(sh[0] + 20 * MIN, sh[1] - 60 * MIN), None

    def purpose_for(self, ins, t, sel=None, code="customer_request"):
        ri = self.ri
        e = ins.emp
        if ri.random() < ins.cite_p:
            tk = self.find_ticket(e, t, sel=sel, allow_closed=ri.random() < 0.5)
            if tk is not None:
                return {"ticket": tk.id, "code": code}
        if ins.subtle:
            return {"code": code, "reason": ri.choice(["live chat", "callback", "follow-up"])}
        return ri.choice([None, None, {"code": code}])

    def ins_attrs(self, p):
        if p and p.get("reason") == "live chat":
            return {"channel": "chat", "chat": "CH%07d" % self.ri.randrange(10 ** 7)}
        return None

    def plan_insiders(self):
        a = self.a
        ri = self.ri
        self.insiders = []
        if a.intensity <= 0:
            return
        n_target = max(3, int(round(0.01 * a.employees)))
        span = a.days
        ws = self.W0 + max(2, int(span * 0.12))
        free = [e for e in self.hr_free if not e.hired_in_window]
        used = set()

        def take(teams):
            cands = [e for e in free if e.T1["k"] in teams and e.i not in used]
            if not cands:
                cands = [e for e in free if e.T1["k"] in DATA_TEAMS and e.i not in used]
            e = ri.choice(cands)
            used.add(e.i)
            return e

        def mk(e, scen):
            subtle = ri.random() < a.cover
            cite = (0.35 + 0.6 * a.cover) if subtle else 0.45 * a.cover
            ins = Insider(e, scen, subtle, cite)
            e.ins = ins
            self.insiders.append(ins)
            return ins

        def wdays(e, lo, hi, k):
            days = [d for d in range(lo, hi + 1) if self._shift(e, d) is not None]
            if len(days) < min(k, 3):
                days = [d for d in range(min(lo, ws), self.ndays) if self._shift(e, d) is not None and d <= e.last_day]
            if not days:
                return []
            k = min(k, len(days))
            return sorted(ri.sample(days, k))

        def nsess(base):
            return max(2, int(round(base * a.intensity)))

        busy_sellers = set()
        ns = len(self.sids)
        k = 0
        left = n_target
        while left > 0:
            scen = SCEN_ORDER[k % len(SCEN_ORDER)]
            k += 1
            if scen == "collusion_ring" and left < 2:
                scen = "snooping"
            if scen == "data_sale":
                e = take(DATA_TEAMS)
                ins = mk(e, scen)
                cand = [s for s in range(3, min(ns, 90)) if s not in busy_sellers and len(self.sel_revs[s]) >= 40]
                if not cand:
                    cand = list(range(min(ns, 90)))
                ins.sellers = sorted(ri.sample(cand, min(len(cand), ri.choice([1, 1, 2, 3]))))
                busy_sellers.update(ins.sellers)
                st = ri.randint(ws, max(ws, self.W0 + int(span * 0.45)))
                for d in wdays(e, st, min(self.ndays - 1, st + ri.randint(14, 40)), nsess(9 if ins.subtle else 7)):
                    ins.plan.setdefault(d, []).append(("harvest", None))
                left -= 1
            elif scen == "honeytoken_touch":
                e = take(["cs_ber", "cs_lis", "pay_ber", "sm", "pay_krk"])
                ins = mk(e, scen)
                s = ri.choice(self.ht_sellers)
                ins.sellers = [s]
                st = ri.randint(ws, max(ws, self.W0 + int(span * 0.6)))
                days = wdays(e, st, min(self.ndays - 1, st + 21), nsess(3))
                for j, d in enumerate(days):
                    ins.plan.setdefault(d, []).append(("htbrowse", j == len(days) // 2))
                left -= 1
            elif scen == "review_removal":
                e = take(["mod_lis", "mod_mnl"])
                ins = mk(e, scen)
                s = self.pick_neg_seller(busy_sellers)
                ins.sellers = [s]
                busy_sellers.add(s)
                st = ri.randint(ws, max(ws, self.W0 + int(span * 0.5)))
                for d in wdays(e, st, min(self.ndays - 1, st + ri.randint(14, 35)), nsess(7)):
                    ins.plan.setdefault(d, []).append(("delete", None))
                left -= 1
            elif scen == "fraud_reactivation":
                e = take(["ver"])
                ins = mk(e, scen)
                nsel = 2 if (a.intensity >= 1 and ri.random() < 0.5) else 1
                for _ in range(nsel):
                    s = self.pick_ban_target(busy_sellers)
                    busy_sellers.add(s)
                    ins.sellers.append(s)
                    bd = ri.randint(self.W0 + 1, max(self.W0 + 1, self.W0 + int(span * 0.55)))
                    self.plan_ins_ban(ins, s, bd, "fraud")
                ins.sellers.sort()
                left -= 1
            elif scen == "collusion_ring":
                size = 3 if left >= 3 else 2
                roles = ["leak", "delete", "react"]
                if size == 2:
                    roles = ri.choice([["leak", "delete"], ["delete", "react"], ["leak", "react"]])
                s = self.pick_neg_seller(busy_sellers, mid=True)
                busy_sellers.add(s)
                st = ri.randint(ws, max(ws, self.W0 + int(span * 0.4)))
                ringid = len(self.insiders)
                for role in roles:
                    if role == "leak":
                        e = take(["cs_ber", "cs_lis", "pay_ber", "pay_krk", "ret"])
                    elif role == "delete":
                        e = take(["mod_lis", "mod_mnl"])
                    else:
                        e = take(["ver"])
                    ins = mk(e, "collusion_ring")
                    ins.role = role
                    ins.ring = ringid
                    ins.sellers = [s]
                    if role == "leak":
                        for d in wdays(e, st, min(self.ndays - 1, st + 30), nsess(6)):
                            ins.plan.setdefault(d, []).append(("harvest", None))
                    elif role == "delete":
                        for d in wdays(e, st, min(self.ndays - 1, st + 30), nsess(5)):
                            ins.plan.setdefault(d, []).append(("delete", None))
                    else:
                        bd = min(self.ndays - 3, st + ri.randint(3, 12))
                        self.plan_ins_ban(ins, s, bd, ri.choice(["fraud", "review_manipulation"]))
                left -= size
            elif scen == "leaver_exfiltration":
                e = take(["cs_ber", "cs_lis", "pay_ber", "sm", "growth", "ts"])
                ins = mk(e, scen)
                L = self.W0 + span - ri.randint(3, max(3, min(12, span // 3)))
                e.last_day = L
                e.leave_reason = ri.choice(["resigned", "resigned", "terminated"])
                e.shift_cache.clear()
                days = wdays(e, max(ws, L - (6 if ins.subtle else 3)), L, nsess(4 if ins.subtle else 2))
                for d in days:
                    ins.plan.setdefault(d, []).append(("exfil", None))
                left -= 1
            elif scen == "snooping":
                e = take(["cs_ber", "cs_lis", "cs_mnl", "pay_ber", "ts", "legal", "sm", "ret"])
                ins = mk(e, scen)
                tg = [ri.choice(self.celebs)]
                cols = [x.cust for x in self.emps if x.cust is not None and x is not e]
                if cols:
                    tg += ri.sample(cols, min(len(cols), ri.randint(1, 2)))
                ins.snoop = tg
                for d in wdays(e, ws, self.ndays - 1, nsess(5)):
                    ins.plan.setdefault(d, []).append(("snoop", None))
                left -= 1
        self.stats["planted"]["insiders"] = len(self.insiders)

    def pick_neg_seller(self, busy, mid=False):
        ri = self.ri
        ns = len(self.sids)
        lo, hi = (8, min(ns, 250)) if mid else (2, min(ns, 120))
        scored = []
        for s in range(lo, hi):
            if s in busy or s in self.ht_sellers:
                continue
            neg = sum(1 for i in self.sel_revs[s] if self.r_rating[i] <= 2 and self.r_order[i] >= 0)
            scored.append((neg, s))
        scored.sort(reverse=True)
        top = [s for _, s in scored[:12]] or [lo]
        return ri.choice(top)

    def pick_ban_target(self, busy):
        ri = self.ri
        ns = len(self.sids)
        for _ in range(50):
            s = ri.randrange(min(10, ns - 1), min(ns, 400))
            if s not in busy and s not in self.ht_sellers:
                return s
        return ns - 1

    def plan_ins_ban(self, ins, s, bd, reason):
        """The seller gets banned for cause; the insider later reactivates it without a proper appeal."""
        ri = self.ri
        e = ins.emp
        appeal_mode = "none"
        if ins.subtle and ri.random() < 0.8:
            appeal_mode = ri.choice(["denied", "foreign"])

        def after_ban(tb):
            if appeal_mode == "denied":
                # the seller appeals, a colleague upholds the ban; the insider later cites that appeal
                self.schedule_appeal(s, tb, reason, grant=False, opener_delay=ri.randint(1, 3) * DAY + ri.randrange(DAY))
            days = [d for d in range(tb // DAY + (4 if appeal_mode == "denied" else 2), min(self.ndays, tb // DAY + 16))
                    if self._shift(e, d) is not None]
            if not days:
                return
            d1 = ri.choice(days[:max(1, len(days) // 2)])
            ins.plan.setdefault(d1, []).append(("react", (s, appeal_mode, reason)))
            d0 = [x for x in days if x < d1]
            if d0:
                ins.plan.setdefault(ri.choice(d0), []).append(("kycpeek", s))
        self.ins_ban_sellers.add(s)
        self.bans.setdefault(bd, []).append((s, reason, after_ban))

    def insider_day(self, d):
        for ins in self.insiders:
            for kind, arg in ins.plan.get(d, []):
                getattr(self, "ins_" + kind)(ins, d, arg)

    def ins_harvest(self, ins, d, arg):
        ri = self.ri
        e = ins.emp
        t, ip = self.ins_time(ins, d)
        if t is None:
            return
        s = ri.choice(ins.sellers)
        rl = self.sel_reviews(s, t, 400)
        pool = []
        seen = set()
        for i in rl:
            c = self.r_cust[i]
            if c not in seen and c not in ins.harvested and not self.is_test[c]:
                seen.add(c)
                pool.append(c)
        if len(pool) < 5 or ri.random() < 0.2:
            for oi in self.sel_recent_orders(s, t, 60):
                c = self.o_cust[oi]
                if c not in seen and c not in ins.harvested:
                    seen.add(c)
                    pool.append(c)
        if not pool:
            return
        # prefer unhappy reviewers (the seller wants to reach them off-platform)
        pool.sort(key=lambda c: (ri.random() * 3))
        n = ri.randint(2, 5) if ins.subtle else ri.randint(6, 16)
        victims = pool[:n]
        if not ins.subtle and ri.random() < 0.3 and len(pool) > 12:
            tg = pool[:ri.randint(10, min(40, len(pool)))]
            self.act(e, t, "customer.search", targets=[self.cids[c] for c in tg], fields=["name", "email"],
                     purpose=self.purpose_for(ins, t, s), attrs={"query": "seller:%s has:review" % self.sids[s]},
                     ins=ins, disc=tg, ip=ip)
            t += self.gap()
        for c in victims:
            t += self.ri.randint(25, 240) * SEC
            p = self.purpose_for(ins, t, s)
            self.view(e, t, c, ri.choice(F_HARVEST), p, ins=ins, ip=ip, attrs=self.ins_attrs(p))
            ins.harvested.add(c)
            if ri.random() < 0.3:
                ol = [oi for oi in self.cust_orders.get(c, []) if self.o_sel[oi] == s and self.o_time[oi] < t]
                if ol:
                    t += self.gap(10, 60)
                    self.oview(e, t, ol[-1], p, ins=ins, ip=ip)

    def ins_htbrowse(self, ins, d, must_ht):
        ri = self.ri
        e = ins.emp
        t, ip = self.ins_time(ins, d)
        if t is None:
            return
        s = ins.sellers[0]
        rl = self.sel_reviews(s, t, 400)
        cs = []
        for i in rl:
            c = self.r_cust[i]
            if c not in cs and not self.is_test[c]:
                cs.append(c)
        hts = [c for c in cs if self.is_ht[c]]
        ri.shuffle(cs)
        vict = [c for c in cs if not self.is_ht[c]][:ri.randint(2, 6)]
        if must_ht or (hts and ri.random() < 0.3):
            if not hts:
                hts = [c for c in self.ht]
            vict.insert(ri.randrange(len(vict) + 1), ri.choice(hts))
        for c in vict:
            t += ri.randint(30, 300) * SEC
            p = self.purpose_for(ins, t, s)
            self.view(e, t, c, ri.choice(F_HARVEST), p, ins=ins, ip=ip, attrs=self.ins_attrs(p))

    def ins_delete(self, ins, d, arg):
        ri = self.ri
        e = ins.emp
        s = ins.sellers[0]
        t, ip = self.ins_time(ins, d)
        if t is None:
            return
        # subtle: slip the deletions into the end of a legitimate cleanup session of that day
        piggy = None
        if ins.subtle:
            for we, wtk, wt in self.wave_sessions:
                if we is e and wt // DAY == d:
                    piggy = (wtk, wt)
            if piggy:
                t = piggy[1] + ri.randint(10, 60) * SEC
                ip = None
        negs = [i for i in self.sel_reviews(s, t, 120) if self.r_rating[i] <= 2 and self.live(i, t)
                and not self.is_ht[self.r_cust[i]]]
        if not negs:
            return
        ri.shuffle(negs)
        n = ri.randint(1, 3) if ins.subtle else ri.randint(3, 9)
        for i in negs[:n]:
            t += ri.randint(8, 90) * SEC
            if piggy:
                p = {"ticket": piggy[0].id, "code": "quality_review"}
                reason = "spam"
            else:
                p = self.purpose_for(ins, t, s, code=ri.choice(["quality_review", "seller_request"]))
                reason = ri.choice(["spam", "off_topic", "abuse", "other"])
            if ri.random() < (0.15 if ins.subtle else 0.4):
                self.view(e, t, self.r_cust[i], F_REV, p, ins=ins, ip=ip)
                t += self.gap(10, 60)
            self.act(e, t, "review.delete", {"type": "review", "id": self.r_id[i]}, purpose=p,
                     attrs={"reason": reason}, ins=ins, disc=None, ip=ip)
            self.r_del[i] = t

    def ins_kycpeek(self, ins, d, s):
        e = ins.emp
        t, ip = self.ins_time(ins, d, evening_ok=False)
        if t is None:
            return
        tk = self.find_ticket(e, t) if ins.subtle else None
        p = {"ticket": tk.id, "code": "seller_request"} if tk else None
        self.act(e, t, "x.seller.view", self.ts_(s), fields=F_KYC, purpose=p, ins=ins, ip=ip)

    def ins_react(self, ins, d, arg):
        ri = self.ri
        e = ins.emp
        s, mode, reason = arg
        if s not in self.sel_ban:
            return
        t, ip = self.ins_time(ins, d)
        if t is None:
            return
        if t <= self.sel_ban[s]:
            return
        attrs = {}
        p = None
        if mode == "denied":
            # cite the seller's own (already upheld) appeal
            apl = self.seller_appeals.get(s)
            if apl and apl.t_open < t:
                attrs["appeal"] = apl.id
                p = {"ticket": apl.id, "code": "seller_request"}
        elif mode == "foreign":
            tk = None
            for tk_, ta in reversed(e.tickets[-300:]):
                if tk_.h == "apl" and tk_.t_open < t and ta < t:
                    tk = tk_
                    break
            if tk is None:
                tk = self.find_ticket(e, t, allow_closed=True)
            if tk is not None:
                attrs["appeal"] = tk.id
                p = {"ticket": tk.id, "code": "seller_request"}
        self.act(e, t, "x.seller.view", self.ts_(s), fields=F_KYC, purpose=p, ins=ins, ip=ip)
        t += ri.randint(2, 15) * MIN
        self.act(e, t, "account.reactivate", self.ts_(s), purpose=p, attrs=attrs or None, ins=ins, ip=ip)
        del self.sel_ban[s]

    def ins_exfil(self, ins, d, arg):
        ri = self.ri
        e = ins.emp
        t, ip = self.ins_time(ins, d)
        if t is None:
            return
        lo = bisect.bisect_left(self.o_time, t - 60 * DAY)
        hi = bisect.bisect_left(self.o_time, t)
        if ins.subtle:
            for _ in range(ri.randint(3, 7)):
                t += ri.randint(5, 40) * MIN
                k = ri.randint(25, 90)
                cs = sorted({self.o_cust[ri.randrange(lo, hi)] for _ in range(k)}, key=lambda c: self.cids[c])
                self.act(e, t, "customer.search", targets=[self.cids[c] for c in cs], fields=["name", "email", "phone"],
                         purpose=self.purpose_for(ins, t), attrs={"query": ri.choice(["segment:high_aov", "city:*", "segment:repeat_buyers", "name:*"])},
                         ins=ins, disc=cs, ip=ip)
        else:
            k = ri.randint(1500, 6000)
            cs = sorted({self.o_cust[ri.randrange(lo, hi)] for _ in range(k)}, key=lambda c: self.cids[c])
            ids = [self.cids[c] for c in cs]
            if ri.random() < 0.5:
                self.act(e, t, "customer.export", fields=["name", "email", "phone", "address"],
                         attrs={"format": "csv", "rows": 0}, outcome="denied", ins=ins, disc=None, ip=ip)
                t += ri.randint(3, 20) * MIN
            self.export(e, t, ids, ri.choice([None, {"code": "quality_review"}]), "csv", ins=ins,
                        fields=["name", "email", "phone", "address"])

    def ins_snoop(self, ins, d, arg):
        ri = self.ri
        e = ins.emp
        t, ip = self.ins_time(ins, d)
        if t is None:
            return
        ins.k_snoop = getattr(ins, "k_snoop", -1) + 1
        c = ins.snoop[ins.k_snoop % len(ins.snoop)]
        p = self.purpose_for(ins, t)
        self.view(e, t, c, ri.choice([["name", "address", "phone"], ["name", "orders", "address"], ["name", "email", "phone", "address"]]),
                  p, ins=ins, ip=ip, attrs=self.ins_attrs(p))
        ol = [oi for oi in self.cust_orders.get(c, []) if self.o_time[oi] < t]
        k = ri.randint(1, 2) if ol and ri.random() < 0.6 else 0
        for oi in ol[len(ol) - k:] if k else []:
            t += self.gap(10, 90)
            self.oview(e, t, oi, p, ins=ins, ip=ip)

    # ------------------------------------------------------------------ main loop
    def run(self):
        a = self.a
        os.makedirs(a.out, exist_ok=True)
        self.out = Out(os.path.join(a.out, "events.jsonl"), self.ndays, self.end_ms)
        self.build_market()
        self.ht_ids = {self.cids[c] for c in self.ht}
        self.cidx = {c: i for i, c in enumerate(self.cids)}
        self.build_staff()
        self.sre = [e for e in self.emps if e.T1["k"] in ("sre_bog", "sre_ber")]
        self.plan_bans()
        self.wave_sessions = []
        self.ins_ban_sellers = set()
        self.seller_appeals = {}
        self.plan_insiders()
        out = self.out
        rptr = 0
        nrev = len(self.r_time)
        for d in range(self.ndays):
            # marketplace facts of the day
            lo, hi = self.day_orders[d]
            for oi in range(lo, hi):
                out.emit(self.o_time[oi], "mkt", {"actor": {"type": "customer", "id": self.cids[self.o_cust[oi]]},
                                                  "action": "order.create", "target": {"type": "order", "id": self.o_id[oi]},
                                                  "attrs": {"seller": self.sids[self.o_sel[oi]], "product": self.o_prod[oi],
                                                            "channel": "app" if oi % 3 else "web"}})
            while rptr < nrev and self.r_time[rptr] < (d + 1) * DAY:
                i = rptr
                at = {"seller": self.sids[self.r_sel[i]], "product": self.r_prod[i], "rating": self.r_rating[i]}
                if self.r_order[i] >= 0:
                    at["order"] = self.o_id[self.r_order[i]]
                    at["verified"] = True
                else:
                    at["verified"] = False
                out.emit(self.r_time[i], "mkt", {"actor": {"type": "customer", "id": self.cids[self.r_cust[i]]},
                                                 "action": "review.create", "target": {"type": "review", "id": self.r_id[i]},
                                                 "attrs": at})
                rptr += 1
            if d == 0:
                for e in self.emps:
                    if not e.hired_in_window:
                        T = e.T1
                        self.sys_emit(10 * MIN + e.i * 2 * SEC, "workday", "employee.hire", {"type": "employee", "id": e.id},
                                      {"role": T["role"], "team": T["team"], "site": T["site"], "source": "hr_sync"})
                for k, c in enumerate(self.ht):
                    self.sys_emit(5 * MIN + k * SEC, "custos", "honeytoken.plant", self.tc(c), {"campaign": "ht-2026q1"})
            if d >= self.W0:
                self.hr_day(d)
                self.build_pools(d)
                self.onshift_set = set(self.onshift)
                items = []
                self.do_future(d, items)
                self.do_bans(d, items)
                items.extend(self.day_tickets(d))
                items.sort(key=lambda x: (x[0], x[1].id))
                self.routines(d, items)
                for t_ready, tk in items:
                    if tk.h == "apl":
                        self.seller_appeals[tk.sel] = tk
                    self.run_item(d, t_ready, tk)
                self.insider_day(d)
            out.flush(d)
        for d in sorted(self.out.buckets):
            out.flush(d)
        out.close()
        self.write_truth()

    def write_truth(self):
        a = self.a
        fmt = self.out.fmt
        ins_out = []
        st_ins = []
        for ins in sorted(self.insiders, key=lambda x: x.emp.id):
            if ins.first is None:
                continue
            ins_out.append({"employee": ins.emp.id, "scenario": ins.scenario, "start": fmt(ins.first), "end": fmt(ins.last),
                            "sellers": sorted(self.sids[s] for s in ins.sellers),
                            "customers": sorted(self.cids[c] for c in ins.customers)})
            st_ins.append({"employee": ins.emp.id, "scenario": ins.scenario, "role": ins.role, "subtle": ins.subtle,
                           "team": ins.emp.T1["team"], "malicious_events": ins.n, "customers": len(ins.customers),
                           "cite_ticket_p": round(ins.cite_p, 3),
                           "honeytokens_touched": sum(1 for c in ins.customers if self.is_ht[c])})
        truth = {"seed": a.seed, "start": fmt(self.start_ms), "end": fmt(self.end_ms - 1), "employees": len(self.emps),
                 "insiders": ins_out, "honeytokens": sorted(self.cids[c] for c in self.ht)}
        with open(os.path.join(a.out, "truth.json"), "w", encoding="utf-8") as f:
            json.dump(truth, f, indent=1, sort_keys=False)
            f.write("\n")
        stats = {"generator": "market8 (Tessel)", "args": {"employees": a.employees, "customers": a.customers, "sellers": a.sellers,
                                                          "days": a.days, "seed": a.seed, "intensity": a.intensity, "cover": a.cover},
                 "history_days_before_window": HIST, "events": self.out.n,
                 "actions": dict(sorted(self.out.counts.items())), "planted": dict(sorted(self.stats["planted"].items())),
                 "lookalikes": dict(sorted(self.stats["lookalikes"].items())), "insiders": st_ins,
                 "teams": self.team_counts()}
        with open(os.path.join(a.out, "stats.json"), "w", encoding="utf-8") as f:
            json.dump(stats, f, indent=1)
            f.write("\n")

    def team_counts(self):
        c = {}
        for e in self.emps:
            c[e.T1["team"]] = c.get(e.T1["team"], 0) + 1
        return dict(sorted(c.items()))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--employees", type=int, default=1000)
    ap.add_argument("--customers", type=int, default=60000)
    ap.add_argument("--sellers", type=int, default=1500)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--intensity", type=float, default=1.0)
    ap.add_argument("--cover", type=float, default=0.5)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    if a.employees < 20 or a.customers < 500 or a.sellers < 30 or a.days < 7:
        ap.error("world too small (need employees>=20, customers>=500, sellers>=30, days>=7)")
    a.cover = min(1.0, max(0.0, a.cover))
    a.intensity = max(0.0, a.intensity)
    Gen(a).run()


if __name__ == "__main__":
    main()
