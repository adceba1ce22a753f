#!/usr/bin/env python3
"""othermarket: an independent synthetic marketplace + insider generator for Custos.

Writes DIR/events.jsonl (time-ordered, EVENTS.md v1) and DIR/truth.json
(INTERFACE.md ground truth), plus DIR/gen_stats.json (extra facts about the
run, not part of any contract).

Standard library only, deterministic from --seed.
"""
import argparse
import bisect
import heapq
import json
import math
import os
import random
import sys
from collections import deque
from datetime import datetime, timedelta, timezone

DAY = 86_400_000
HOUR = 3_600_000
MIN = 60_000
SEC = 1000
BASE = datetime(2026, 3, 2, tzinfo=timezone.utc)  # a Monday

# site code -> (utc offset in hours, ip second octet)
SITES = {'LIS': (0.0, 31), 'KRK': (1.0, 32), 'MNL': (8.0, 33), 'PNQ': (5.5, 34), 'BOG': (-5.0, 35)}
# shift code -> (local start hour, length hours)
SHIFTS = {'D': (8.0, 8.5), 'L': (13.5, 8.5), 'N': (21.5, 8.5), 'O': (9.0, 8.5)}

CARE_SITE_SHIFTS = [('LIS', 'D', .10), ('LIS', 'L', .08), ('KRK', 'D', .12), ('KRK', 'L', .06),
                    ('MNL', 'D', .12), ('MNL', 'N', .14), ('PNQ', 'D', .10), ('PNQ', 'N', .12),
                    ('BOG', 'D', .09), ('BOG', 'L', .07)]

FIRST = ['Ana', 'Bruno', 'Carla', 'Diego', 'Elena', 'Filip', 'Greta', 'Hugo', 'Ines', 'Jonas', 'Kasia',
         'Luis', 'Marta', 'Nuno', 'Olga', 'Pedro', 'Rita', 'Sofia', 'Tomas', 'Vera', 'Wiktor', 'Xavi',
         'Yara', 'Zofia', 'Aisha', 'Ben', 'Chloe', 'Dario', 'Emil', 'Fatima', 'Gabriel', 'Hanna',
         'Ivan', 'Julia', 'Karl', 'Lena', 'Mateo', 'Nina', 'Oscar', 'Paula']
LAST = ['Silva', 'Nowak', 'Santos', 'Garcia', 'Kowalski', 'Costa', 'Lopez', 'Martins', 'Wojcik',
        'Ferreira', 'Ramos', 'Mazur', 'Gomez', 'Pereira', 'Krawczyk', 'Torres', 'Alves', 'Zielinski',
        'Diaz', 'Rocha', 'Lewandowski', 'Moreno', 'Sousa', 'Kaminski', 'Ruiz', 'Carvalho', 'Dabrowski',
        'Herrera', 'Pinto', 'Szymanski', 'Castro', 'Ribeiro', 'Wozniak', 'Vargas', 'Teixeira', 'Jankowski']
CITIES = ['Porto', 'Lisboa', 'Braga', 'Krakow', 'Warszawa', 'Gdansk', 'Bogota', 'Medellin', 'Cali',
          'Madrid', 'Sevilla', 'Valencia', 'Wroclaw', 'Poznan', 'Coimbra', 'Faro']

FIELDS_BY_KIND = {
    'order_issue': ['name', 'address', 'orders'],
    'account': ['name', 'email', 'phone', 'account'],
    'other': ['name', 'email'],
    'review_dispute': ['name', 'reviews'],
    'fraud_report': ['name', 'email', 'payment', 'orders', 'account'],
    'appeal': ['name', 'account', 'orders'],
}
FIELD_ORDER = ['name', 'email', 'phone', 'address', 'payment', 'orders', 'reviews', 'account']


def ordered(fs):
    s = set(fs)
    return [f for f in FIELD_ORDER if f in s]


def poisson(rng, lam):
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, int(rng.gauss(lam, math.sqrt(lam)) + 0.5))
    L = math.exp(-lam)
    k = 0
    p = 1.0
    while True:
        p *= rng.random()
        if p <= L:
            return k
        k += 1


class Emp:
    __slots__ = ('i', 'id', 'segs', 'hire_day', 'leave_day', 'leave_reason', 'part', 'off', 'absent',
                 'lead', 'portfolio', 'ipn', 'dev', 'recent', 'pending', 'newbie_until', 'actors',
                 'team_closed', 'sessions', 'insider', 'tenure_note', 'members', 'hr_done', 'prod', 'srch')

    def __init__(self, i, eid):
        self.i = i
        self.id = eid
        self.segs = []  # (from_local_day, role, team, site, shift)
        self.hire_day = None
        self.leave_day = None
        self.leave_reason = None
        self.part = None
        self.off = (5, 6)
        self.absent = set()
        self.lead = None
        self.portfolio = []
        self.recent = deque(maxlen=25)
        self.pending = []
        self.newbie_until = -99
        self.actors = {}
        self.team_closed = None
        self.sessions = []
        self.insider = None
        self.members = []
        self.hr_done = 0
        self.prod = 1.0
        self.srch = 0.15

    def seg_at(self, L):
        s = self.segs[0]
        for g in self.segs:
            if g[0] <= L:
                s = g
        return s

    def actor(self, seg):
        a = self.actors.get(seg)
        if a is None:
            a = {'type': 'employee', 'id': self.id, 'role': seg[1], 'team': seg[2], 'site': seg[3]}
            self.actors[seg] = a
        return a


class Sess:
    __slots__ = ('emp', 'L', 'start', 'end', 'seg', 'wfh', 'mal')

    def __init__(self, emp, L, start, end, seg, wfh):
        self.emp = emp
        self.L = L
        self.start = start
        self.end = end
        self.seg = seg
        self.wfh = wfh
        self.mal = []


class Tk:
    __slots__ = ('n', 'id', 'kind', 'opener', 'cust', 'seller', 'order', 'review', 'desk', 'open',
                 'status', 'owner', 'code', 'fields', 'topic', 'closed', 'x')

    def __init__(self, n, kind, opener, cust, seller, order, review, desk, open_ms, topic=None):
        self.n = n
        self.id = 'tk%d' % n
        self.kind = kind
        self.opener = opener
        self.cust = cust
        self.seller = seller
        self.order = order
        self.review = review
        self.desk = desk
        self.open = open_ms
        self.status = 0  # 0 open, 1 assigned, 2 pending, 3 closed
        self.owner = None
        self.code = 'seller_request' if opener == 'seller' else 'customer_request'
        self.fields = None
        self.topic = topic
        self.closed = None
        self.x = None


class Insider:
    def __init__(self, emp, scenario, group):
        self.emp = emp
        self.scenario = scenario
        self.group = group
        self.sellers = []
        self.customers = set()
        self.first = None
        self.last = None
        self.n_events = 0
        self.n_covered = 0
        self.n_acts = 0
        self.harvested = set()
        self.home_login = -1
        self.extra = {}

    def mark(self, ms, customers=()):
        if self.first is None or ms < self.first:
            self.first = ms
        if self.last is None or ms > self.last:
            self.last = ms
        self.n_events += 1
        self.customers.update(customers)


class Gen:
    def __init__(self, a):
        self.a = a
        self.rng = random.Random(a.seed)
        self.days = a.days
        self.end_ms = a.days * DAY
        self.I = a.intensity
        self.cover = a.cover
        self.buckets = {}
        self.nid = 0
        self.floor = 0
        self.timers = []
        self.tseq = 0
        self.daystr = [(BASE + timedelta(days=d)).strftime('%Y-%m-%d') for d in range(a.days + 40)]
        self.n_events = 0
        self.counts = {}
        self.out = None

    # ------------------------------------------------------------------ output
    def ts(self, ms):
        d, r = divmod(ms, DAY)
        h, r = divmod(r, HOUR)
        m, r = divmod(r, MIN)
        s, x = divmod(r, 1000)
        return '%sT%02d:%02d:%02d.%03dZ' % (self.daystr[d], h, m, s, x)

    def emit(self, ms, actor, action, target=None, targets=None, fields=None, purpose=None,
             outcome=None, attrs=None, src='hlm'):
        ms = int(ms)
        if ms >= self.end_ms:
            return None
        if ms < self.floor:
            raise RuntimeError('event before floor: %s %d < %d' % (action, ms, self.floor))
        self.nid += 1
        ev = {'id': '%s-%07d' % (src, self.nid), 'time': self.ts(ms), 'actor': actor, 'action': action}
        if target is not None:
            ev['target'] = target
        if targets is not None:
            ev['targets'] = targets
        if fields is not None:
            ev['fields'] = fields
        if purpose is not None:
            ev['purpose'] = purpose
        if outcome is not None:
            ev['outcome'] = outcome
        if attrs:
            ev['attrs'] = attrs
        b = self.buckets.get(ms // DAY)
        if b is None:
            b = self.buckets[ms // DAY] = []
        b.append((ms, self.nid, json.dumps(ev, separators=(',', ':'))))
        self.counts[action] = self.counts.get(action, 0) + 1
        return ev['id']

    def flush(self, d):
        b = self.buckets.pop(d, None)
        if not b:
            return
        b.sort()
        self.out.write('\n'.join(x[2] for x in b))
        self.out.write('\n')
        self.n_events += len(b)

    def timer(self, ms, fn, *args):
        self.tseq += 1
        heapq.heappush(self.timers, (int(ms), self.tseq, fn, args))

    # ------------------------------------------------------------------ world
    def build_world(self):
        rng = self.rng
        a = self.a
        nc, ns = a.customers, a.sellers
        self.n_ht = max(8, nc // 4000)
        self.n_fake = min(150, max(30, nc // 400))
        self.n_norm = nc - self.n_ht - self.n_fake
        ids = rng.sample(range(1000000, 9999999), nc)
        self.cid = ['u%d' % x for x in ids]
        self.ht = list(range(self.n_norm + self.n_fake, nc))
        self.fakes = list(range(self.n_norm, self.n_norm + self.n_fake))
        w = [rng.lognormvariate(0, 1.0) for _ in range(self.n_norm)]
        acc = 0.0
        self.c_cw = []
        for x in w:
            acc += x
            self.c_cw.append(acc)
        self.c_orders = [[] for _ in range(nc)]
        self.c_state = bytearray(nc)  # 1 suspended

        sids = rng.sample(range(10000, 99999), ns)
        self.sid = ['m%d' % x for x in sids]  # sellers sorted by size rank
        sw = [1.0 / (r + 1) ** 1.07 for r in range(ns)]
        tot = sum(sw)
        self.s_share = [x / tot for x in sw]
        acc = 0.0
        self.s_cw = []
        for x in sw:
            acc += x
            self.s_cw.append(acc)
        self.s_cat = [rng.randrange(14) for _ in range(ns)]
        self.cat_sellers = [[] for _ in range(14)]
        for s in range(ns):
            self.cat_sellers[self.s_cat[s]].append(s)
        self.s_bad = [min(0.9, max(0.05, 0.35 + 0.2 * rng.gauss(0, 1))) for _ in range(ns)]
        self.s_pbase = []
        self.s_nprod = []
        pb = 500000
        for s in range(ns):
            n = max(2, int(4000 * self.s_share[s]) + rng.randrange(1, 6))
            self.s_pbase.append(pb)
            self.s_nprod.append(n)
            pb += n
        self.s_orders = [[] for _ in range(ns)]
        self.s_reviews = [[] for _ in range(ns)]
        self.s_banned = [None] * ns   # (ms, reason) while banned
        self.s_ban_hist = [[] for _ in range(ns)]
        self.s_appeal_upheld = [None] * ns  # last upheld appeal ticket
        self.s_forced_upheld = set()
        self.top = 0

        self.o_c = []
        self.o_s = []
        self.o_p = []
        self.o_t = []
        self.o_base = 7300000
        self.r_c = []
        self.r_s = []
        self.r_p = []
        self.r_rating = []
        self.r_t = []
        self.r_bad = []
        self.r_state = bytearray(0)
        self.r_state_l = []
        self.r_base = 4400000
        self.flag_heap = []
        self.tickets = []
        self.t_base = 3100000
        self.desk = {}
        for dk in ('care', 'senior', 'ka', 'seller', 'mod', 'mod2', 'tns', 'fraud', 'legal'):
            self.desk[dk] = []
        self.seller_q = {}
        self.deleted_reviews = []
        self.suspended_customers = []
        self.qn = 0
        self.incn = 0
        self.aprn = 0
        self.batchn = 0
        # diurnal weights (UTC hours): Europe evening peak + LatAm evening
        hw = []
        for h in range(24):
            eu = math.exp(-((h - 19) / 4.0) ** 2) + 0.6 * math.exp(-((h - 11) / 3.0) ** 2)
            la = 0.7 * math.exp(-(((h - 1) % 24 - 12 + 12) % 24 - 12) ** 2 / 16.0)
            hw.append(0.08 + eu + la)
        acc = 0.0
        self.h_cw = []
        for x in hw:
            acc += x
            self.h_cw.append(acc)
        self.day_order_start = {}

    def cname(self, c):
        return FIRST[(c * 7 + 3) % len(FIRST)], LAST[(c * 13 + 5) % len(LAST)]

    def query_for(self, c, rng, order=None):
        f, l = self.cname(c)
        r = rng.random()
        if r < 0.4:
            return 'name:"%s %s."' % (f, l[0])
        if r < 0.65:
            return 'email:%s.%s*' % (f.lower(), l.lower()[:3])
        if r < 0.85 or order is None:
            return 'phone:*%04d' % ((c * 7919) % 10000)
        return 'order:o%d' % (self.o_base + order)

    def others(self, k):
        rng = self.rng
        return [rng.randrange(self.n_norm) for _ in range(k)]

    def pick_seller(self, exclude_top=False):
        rng = self.rng
        for _ in range(20):
            s = bisect.bisect_left(self.s_cw, rng.random() * self.s_cw[-1])
            if s >= len(self.sid):
                s = len(self.sid) - 1
            if exclude_top and s == self.top:
                continue
            if self.s_banned[s] is None:
                return s
        return rng.randrange(1, len(self.sid))

    def pick_customer(self):
        c = bisect.bisect_left(self.c_cw, self.rng.random() * self.c_cw[-1])
        return min(c, self.n_norm - 1)

    def rating_for(self, s):
        b = self.s_bad[s]
        p1 = 0.03 + 0.16 * b
        p2 = 0.02 + 0.07 * b
        p3 = 0.06 + 0.05 * b
        p4 = 0.22
        r = self.rng.random()
        if r < p1:
            return 1
        if r < p1 + p2:
            return 2
        if r < p1 + p2 + p3:
            return 3
        if r < p1 + p2 + p3 + p4:
            return 4
        return 5

    def new_order(self, ms, c, s, emit=True):
        rng = self.rng
        o = len(self.o_c)
        p = self.s_pbase[s] + rng.randrange(self.s_nprod[s])
        self.o_c.append(c)
        self.o_s.append(s)
        self.o_p.append(p)
        self.o_t.append(ms)
        self.c_orders[c].append(o)
        self.s_orders[s].append(o)
        if emit:
            self.emit(ms, {'type': 'customer', 'id': self.cid[c]}, 'order.create',
                      target={'type': 'order', 'id': 'o%d' % (self.o_base + o)},
                      attrs={'seller': self.sid[s], 'product': 'sku%d' % p}, src='mkt')
        if rng.random() < 0.3:
            rt = ms + rng.randint(2 * DAY, 14 * DAY) + rng.randrange(HOUR)
            rating = self.rating_for(s)
            r = rng.random()
            bad = 0
            if r < 0.035:
                bad = 1  # spam
            elif r < 0.06 and rating <= 2:
                bad = 2  # abuse
            elif r < 0.09:
                bad = 3  # off topic
            self.new_review(rt, c, s, p, rating, bad, emit=(rt >= 0))

    def new_review(self, ms, c, s, p, rating, bad, emit=True):
        rng = self.rng
        r = len(self.r_c)
        self.r_c.append(c)
        self.r_s.append(s)
        self.r_p.append(p)
        self.r_rating.append(rating)
        self.r_t.append(ms)
        self.r_bad.append(bad)
        self.r_state_l.append(0)
        self.s_reviews[s].append(r)
        if emit and ms < self.end_ms:
            self.emit(ms, {'type': 'customer', 'id': self.cid[c]}, 'review.create',
                      target={'type': 'review', 'id': 'r%d' % (self.r_base + r)},
                      attrs={'seller': self.sid[s], 'product': 'sku%d' % p, 'rating': rating}, src='mkt')
            flagged = (bad and rng.random() < 0.85) or (not bad and rng.random() < 0.05)
            if flagged:
                heapq.heappush(self.flag_heap, (ms + rng.randint(MIN, 8 * HOUR), r))
        return r

    def prehistory(self):
        """45 days of orders/reviews before the stream starts: kept in memory, not emitted."""
        rng = self.rng
        per_day = 0.06 * self.n_norm
        for d in range(-45, 0):
            n = poisson(rng, per_day)
            for _ in range(n):
                ms = d * DAY + rng.randrange(DAY)
                self.new_order(ms, self.pick_customer(), self.pick_seller(), emit=False)
        # orders were appended out of time order within each day: fine for history

    def order_time(self, d):
        rng = self.rng
        h = bisect.bisect_left(self.h_cw, rng.random() * self.h_cw[-1])
        return d * DAY + min(h, 23) * HOUR + rng.randrange(HOUR)

    # ------------------------------------------------------------------ staff
    def build_staff(self):
        rng = self.rng
        n = self.a.employees
        n_hire = max(2, round(0.06 * n))
        n0 = n - n_hire
        quotas = [('support_senior', .06), ('ka_specialist', .02), ('seller_success', .06), ('mod_l1', .055),
                  ('mod_l2', .012), ('tns_analyst', .035), ('fraud_ops', .035), ('privacy_legal', .01),
                  ('sre', .04), ('bizops_analyst', .03), ('wfm_planner', .015), ('software_eng', .11),
                  ('product_mgr', .03), ('finance', .025), ('people_ops', .015), ('marketing', .025)]
        counts = {r: max(2 if r in ('mod_l1', 'tns_analyst', 'fraud_ops', 'ka_specialist', 'seller_success',
                                    'support_senior') else 1, round(q * n0)) for r, q in quotas}
        rest = n0 - sum(counts.values())
        n_teams = max(2, math.ceil(rest / 13.0))
        n_leads = n_teams + 1
        n_reps = rest - n_leads
        numbers = rng.sample(range(10000, 99999), n)
        self.emps = [Emp(i, 'w%d' % numbers[i]) for i in range(n)]
        it = iter(self.emps[:n0])
        emps0 = []

        def mk(role, team, site, shift):
            e = next(it)
            e.segs.append((-999, role, team, site, shift))
            emps0.append(e)
            return e

        # care teams over (site, shift)
        sw = [x[2] for x in CARE_SITE_SHIFTS]
        team_slots = []
        per = {}
        for k in range(n_teams):
            j = rng.choices(range(len(CARE_SITE_SHIFTS)), weights=sw)[0] if k >= len(CARE_SITE_SHIFTS) else k
            site, sh, _ = CARE_SITE_SHIFTS[j]
            per[(site, sh)] = per.get((site, sh), 0) + 1
            team_slots.append((site, sh, 'care-%s-%s%d' % (site.lower(), sh.lower(), per[(site, sh)])))
        self.care_teams = []
        for site, sh, tname in team_slots:
            lead = mk('support_lead', tname, site, 'D' if sh == 'D' else sh)
            self.care_teams.append((tname, site, sh, lead))
            lead.team_closed = deque(maxlen=300)
        kname = 'ka-%s' % self.sid[self.top]
        ka_lead = mk('support_lead', kname, 'LIS', 'D')
        ka_lead.team_closed = deque(maxlen=300)
        self.ka_lead = ka_lead
        self.reps = []
        for k in range(n_reps):
            tname, site, sh, lead = self.care_teams[k % n_teams]
            e = mk('support_rep', tname, site, sh)
            e.lead = lead
            lead.members.append(e)
            self.reps.append(e)
        for k in range(counts['ka_specialist']):
            e = mk('ka_specialist', kname, 'LIS' if k % 3 else 'KRK', 'D' if k % 2 == 0 else 'L')
            e.lead = ka_lead
            ka_lead.members.append(e)
        for k in range(counts['support_senior']):
            site, sh, _ = CARE_SITE_SHIFTS[k % len(CARE_SITE_SHIFTS)]
            mk('support_senior', 'care-escal-%s' % site.lower(), site, sh)
        self.sellerdesk = []
        for k in range(counts['seller_success']):
            site = ['LIS', 'KRK', 'BOG'][k % 3]
            self.sellerdesk.append(mk('seller_success', 'sellerdesk-%s' % site.lower(), site, 'O'))
        for k in range(counts['mod_l1']):
            site, sh = [('MNL', 'D'), ('MNL', 'N'), ('PNQ', 'D'), ('PNQ', 'N'), ('KRK', 'D'), ('KRK', 'L')][k % 6]
            mk('mod_l1', 'mod-%s' % site.lower(), site, sh)
        for k in range(counts['mod_l2']):
            mk('mod_l2', 'mod-escalations', 'KRK', 'D' if k % 2 == 0 else 'L')
        for k in range(counts['tns_analyst']):
            site = ['LIS', 'BOG'][k % 2]
            mk('tns_analyst', 'tns-%s' % site.lower(), site, 'O')
        for k in range(counts['fraud_ops']):
            site, sh = [('KRK', 'D'), ('MNL', 'N'), ('KRK', 'L'), ('MNL', 'D')][k % 4]
            mk('fraud_ops', 'fraud-%s' % site.lower(), site, sh)
        for k in range(counts['privacy_legal']):
            mk('privacy_legal', 'privacy-legal', 'LIS', 'O')
        for k in range(counts['sre']):
            site = ['KRK', 'PNQ', 'BOG'][k % 3]
            mk('sre', 'sre-%s' % site.lower(), site, 'O')
        for k in range(counts['bizops_analyst']):
            mk('bizops_analyst', 'bizops', 'LIS', 'O')
        for k in range(counts['wfm_planner']):
            mk('wfm_planner', 'wfm', 'MNL', 'O')
        for r, teams in (('software_eng', [('eng-checkout', 'KRK'), ('eng-search', 'KRK'), ('eng-platform', 'LIS'),
                                           ('eng-mobile', 'PNQ'), ('eng-data', 'LIS')]),
                         ('product_mgr', [('product', 'LIS')]), ('finance', [('finance', 'LIS'), ('finance-ap', 'KRK')]),
                         ('people_ops', [('people', 'LIS')]), ('marketing', [('growth', 'LIS'), ('brand', 'BOG')])):
            for k in range(counts[r]):
                tn, site = teams[k % len(teams)]
                mk(r, tn, site, 'O')
        assert len(emps0) == n0, (len(emps0), n0)

        # seller portfolios (top seller belongs to the KA team)
        for rank in range(1, len(self.sid)):
            self.sellerdesk[(rank - 1) % len(self.sellerdesk)].portfolio.append(rank)
        self.s_manager = [None] * len(self.sid)
        for e in self.sellerdesk:
            for s in e.portfolio:
                self.s_manager[s] = e

        # new hires
        days = self.days
        hires = self.emps[n0:]
        for e in hires:
            r = rng.random()
            hd = rng.randint(min(3, days - 2), max(3, days - 7))
            e.hire_day = hd
            e.newbie_until = hd + 14
            if r < 0.7:
                tname, site, sh, lead = self.care_teams[rng.randrange(len(self.care_teams))]
                e.segs.append((hd, 'support_rep', tname, site, sh))
                e.lead = lead
                lead.members.append(e)
            elif r < 0.85:
                site, sh = rng.choice([('MNL', 'D'), ('PNQ', 'N'), ('KRK', 'D')])
                e.segs.append((hd, 'mod_l1', 'mod-%s' % site.lower(), site, sh))
            elif r < 0.93:
                e.segs.append((hd, 'fraud_ops', 'fraud-krk', 'KRK', 'D'))
            else:
                site = rng.choice(['LIS', 'KRK', 'BOG'])
                e.segs.append((hd, 'seller_success', 'sellerdesk-%s' % site.lower(), site, 'O'))
                # takes over some small sellers
                donor = rng.choice(self.sellerdesk)
                give = donor.portfolio[len(donor.portfolio) // 2:]
                donor.portfolio = donor.portfolio[:len(donor.portfolio) // 2]
                e.portfolio = give
                for s in give:
                    self.s_manager[s] = e  # (simplification: switch at start)
        # rota, part-timers, absences
        for e in self.emps:
            role = e.segs[0][1]
            if role in ('support_rep', 'ka_specialist', 'support_senior', 'mod_l1', 'mod_l2', 'fraud_ops'):
                k = rng.randrange(7) if rng.random() < 0.5 else 5
                e.off = (k, (k + 1) % 7)
                if role in ('support_rep', 'mod_l1') and rng.random() < 0.12:
                    e.part = 'half' if rng.random() < 0.6 else 'three'
                    if e.part == 'three':
                        e.off = tuple(sorted(rng.sample(range(7), 4)))
            else:
                e.off = (5, 6)
            if rng.random() < 0.55:
                v0 = rng.randrange(-3, days)
                for L in range(v0, v0 + rng.randint(5, 11)):
                    e.absent.add(L)
            if rng.random() < 0.15:
                v0 = rng.randrange(0, days)
                for L in range(v0, v0 + rng.randint(2, 4)):
                    e.absent.add(L)
            for L in range(-1, days):
                if rng.random() < 0.015:
                    e.absent.add(L)
        self.emps0 = emps0
        self.hires = hires

        # honest leavers, transfers
        cand = [e for e in emps0 if e.segs[0][1] not in ('support_lead',)]
        rng.shuffle(cand)
        n_leave = max(2, round(0.045 * n0))
        n_move = max(2, round(0.03 * n0))
        self.honest_leavers = []
        for e in cand[:n_leave]:
            e.leave_day = rng.randint(min(7, days - 2), days - 2)
            r = rng.random()
            e.leave_reason = 'resigned' if r < 0.65 else ('terminated' if r < 0.8 else 'transferred')
            self.honest_leavers.append(e)
        self.movers = []
        for e in cand[n_leave:n_leave + n_move]:
            cd = rng.randint(min(5, days - 3), max(5, days - 5))
            role0, team0, site0, sh0 = e.segs[0][1:]
            if role0 == 'support_rep':
                r = rng.random()
                if r < 0.3:
                    site, sh, _ = CARE_SITE_SHIFTS[rng.randrange(len(CARE_SITE_SHIFTS))]
                    ns_ = (cd, 'support_senior', 'care-escal-%s' % site.lower(), site, sh)
                elif r < 0.55:
                    ns_ = (cd, 'mod_l1', 'mod-krk', 'KRK', 'D')
                elif r < 0.7:
                    ns_ = (cd, 'fraud_ops', 'fraud-krk', 'KRK', 'D')
                else:
                    tname, site, sh, lead = self.care_teams[rng.randrange(len(self.care_teams))]
                    ns_ = (cd, 'support_rep', tname, site, sh)
                    e.lead = lead
                    lead.members.append(e)
            elif role0 == 'mod_l1':
                ns_ = (cd, 'mod_l2', 'mod-escalations', 'KRK', 'D')
            elif role0 == 'support_senior':
                ns_ = (cd, 'support_senior', 'care-escal-krk', 'KRK', 'L')
            else:
                ns_ = (cd, role0, team0, site0, sh0)
                if role0 in ('sre', 'bizops_analyst', 'wfm_planner'):
                    ns_ = (cd, 'bizops_analyst' if role0 != 'bizops_analyst' else 'sre', 'bizops' if role0 != 'bizops_analyst' else 'sre-krk', 'LIS' if role0 != 'bizops_analyst' else 'KRK', 'O')
            e.segs.append(ns_)
            e.tenure_note = 'moved'
            self.movers.append(e)
        # QA calibration audit lead (look-alike)
        self.qa_lead = self.care_teams[0][3]
        a0 = max(1, int(days * 0.3))
        a1 = min(days - 1, a0 + 14)
        _, r0, t0, s0, sh0 = self.qa_lead.segs[0]
        self.qa_lead.segs.append((a0, 'support_lead', 'care-qa', s0, 'D'))
        self.qa_lead.segs.append((a1, 'support_lead', t0, s0, sh0))
        self.qa_window = (a0, a1)
        self.global_closed = deque(maxlen=3000)
        for e in self.emps:
            o = SITES[e.seg_at(0)[3]][1]
            e.ipn = '10.%d.%d.%d' % (o, rng.randrange(1, 40), rng.randrange(2, 250))
            e.prod = min(1.8, max(0.5, rng.lognormvariate(0, 0.25)))
            e.srch = min(0.5, max(0.02, rng.lognormvariate(math.log(0.13), 0.6)))
            e.dev = 'LT-%05X' % rng.randrange(16 ** 5)

    # ------------------------------------------------------------------ sessions
    def works(self, e, L):
        if e.hire_day is not None and L < e.hire_day:
            return False
        if e.leave_day is not None and L > e.leave_day:
            return False
        if L in e.absent:
            return False
        wd = L % 7
        if wd in e.off:
            return False
        return True

    def build_sessions(self):
        rng = self.rng
        self.sessions_by_day = [[] for _ in range(self.days + 2)]
        for e in self.emps:
            e.sessions = []
            for L in range(-1, self.days + 1):
                if not self.works(e, L):
                    continue
                seg = e.seg_at(L)
                role, team, site, sh = seg[1:]
                off = SITES[site][0]
                st, ln = SHIFTS[sh]
                if e.part == 'half':
                    ln = 4.5
                    if rng.random() < 0.5:
                        st += 4.0
                if role in ('sre', 'bizops_analyst', 'privacy_legal', 'tns_analyst', 'seller_success', 'wfm_planner', 'support_lead'):
                    st += rng.gauss(0, 0.4)
                    ln += rng.gauss(0, 0.5)
                else:
                    st += rng.gauss(0, 0.12)
                    ln += rng.gauss(0, 0.2)
                start = int((L * 24 + st - off) * HOUR)
                end = start + int(ln * HOUR)
                if e.leave_day is not None and L == e.leave_day:
                    end = start + int(ln * HOUR * rng.uniform(0.5, 0.9))
                if start < 0 or start >= self.end_ms:
                    continue
                s = Sess(e, L, start, end, seg, rng.random() < 0.08)
                e.sessions.append(s)
                self.sessions_by_day[start // DAY].append(s)

    # ------------------------------------------------------------------ capacity/demand
    CAP = {'support_rep': ('care', 13), 'support_senior': ('senior', 7), 'ka_specialist': ('ka', 13),
           'seller_success': ('seller', 9), 'mod_l1': ('mod', 3), 'mod_l2': ('mod2', 3),
           'tns_analyst': ('tns', 5), 'fraud_ops': ('fraud', 7), 'privacy_legal': ('legal', 3)}

    def slot_count(self, sess):
        e = sess.emp
        role = sess.seg[1]
        frac = (sess.end - sess.start) / (8.5 * HOUR)
        nb = (0.45 if sess.L < e.newbie_until else 1.0) * e.prod
        if e.leave_day is not None and e.leave_day - sess.L < 8:
            nb *= 0.8
        if role in self.CAP:
            return self.CAP[role][1] * frac * nb
        return 0

    def desk_capacity(self, d):
        cap = {}
        for s in self.sessions_by_day[d]:
            role = s.seg[1]
            if role in self.CAP:
                dk = self.CAP[role][0]
                cap[dk] = cap.get(dk, 0) + self.slot_count(s)
        return cap

    def desk_time(self, d, dk):
        """A ticket open time for desk dk on day d, following when that desk is staffed."""
        rng = self.rng
        ss = self.desk_sessions.get(dk)
        if ss:
            s = ss[rng.randrange(len(ss))]
            t = rng.randint(s.start, s.end) - int(rng.expovariate(1 / (1.5 * HOUR)))
        else:
            t = self.order_time(d)
        lo = d * DAY + rng.randrange(5 * MIN)
        return max(lo, min(t, (d + 1) * DAY - 1))

    def open_ticket(self, ms, kind, opener, c, s, o, desk, topic=None, review=-1, push=True, extra=None):
        t = Tk(self.t_base + len(self.tickets), kind, opener, c, s, o, review, desk, ms, topic)
        self.tickets.append(t)
        if opener == 'customer':
            actor = {'type': 'customer', 'id': self.cid[c]}
        elif opener == 'seller':
            actor = {'type': 'seller', 'id': self.sid[s]}
        else:
            actor = {'type': 'system', 'id': 'helpdesk'}
        at = {'kind': kind}
        if c is not None and c >= 0:
            at['customer'] = self.cid[c]
        if s is not None and s >= 0:
            at['seller'] = self.sid[s]
        if o is not None and o >= 0:
            at['order'] = 'o%d' % (self.o_base + o)
        if review is not None and review >= 0:
            at['review'] = 'r%d' % (self.r_base + review)
        if topic:
            at['topic'] = topic
        if extra:
            at.update(extra)
        at['channel'] = 'web' if opener != 'system' else 'auto'
        self.emit(ms, actor, 'ticket.open', target={'type': 'ticket', 'id': t.id}, attrs=at, src='hdk')
        if push:
            if desk == 'seller':
                m = self.s_manager[s] if s is not None and s >= 0 else None
                q = self.seller_q.setdefault(m.i if m is not None else -1, [])
                heapq.heappush(q, (ms, t.n, t))
            else:
                heapq.heappush(self.desk[desk], (ms, t.n, t))
        return t

    def past_orders(self, s, t, n):
        """Up to n of seller s's orders placed before t (orders are generated a day ahead)."""
        lst = self.s_orders[s]
        k = bisect.bisect_left(lst, t, key=lambda o: self.o_t[o])
        return [o for o in lst[max(0, k - n):k] if self.o_t[o] < t]

    def past_cust_orders(self, c, t, n):
        return [o for o in self.c_orders[c] if self.o_t[o] < t][-n:]

    def recent_order(self, d, seller=None, days_back=30):
        rng = self.rng
        if seller is None:
            lo = self.day_order_start.get(max(-45, d - days_back), 0)
            hi = len(self.o_c)
            if hi <= lo:
                return None
            for _ in range(12):
                o = rng.randrange(lo, hi)
                if self.o_s[o] != self.top and self.o_t[o] < d * DAY:
                    return o
            return None
        lst = self.s_orders[seller]
        if not lst:
            return None
        # s_orders is nearly time-ordered; sample from the tail
        k = len(lst)
        for _ in range(10):
            o = lst[k - 1 - min(k - 1, int(rng.expovariate(1 / max(1.0, k * 0.15))))]
            if self.o_t[o] < d * DAY:
                return o
        return lst[0] if self.o_t[lst[0]] < d * DAY else None

    def gen_market(self, d):
        rng = self.rng
        self.day_order_start[d] = len(self.o_c)
        wk = 1.15 if d % 7 in (5, 6) else 1.0
        n = poisson(rng, 0.06 * self.n_norm * wk)
        times = sorted(self.order_time(d) for _ in range(n))
        for ms in times:
            self.new_order(ms, self.pick_customer(), self.pick_seller())
        # staffing-driven ticket demand
        self.desk_sessions = {}
        for s in self.sessions_by_day[d]:
            role = s.seg[1]
            if role in self.CAP:
                self.desk_sessions.setdefault(self.CAP[role][0], []).append(s)
        cap = self.desk_capacity(d)
        load = 0.75  # follow-ups and escalations take the rest of the slots
        # care: customer-opened tickets about non-top orders
        for _ in range(poisson(rng, cap.get('care', 0) * load)):
            ms = self.desk_time(d, 'care')
            o = self.recent_order(d)
            if o is None:
                continue
            c = self.o_c[o]
            r = rng.random()
            if r < 0.6:
                self.open_ticket(ms, 'order_issue', 'customer', c, self.o_s[o], o, 'care')
            elif r < 0.85:
                self.open_ticket(ms, 'account', 'customer', c, None, None, 'care')
            else:
                self.open_ticket(ms, 'other', 'customer', c, None, None, 'care')
        # senior desk: complex cases arrive directly too
        for _ in range(poisson(rng, cap.get('senior', 0) * 0.4)):
            ms = self.desk_time(d, 'senior')
            o = self.recent_order(d, days_back=60)
            if o is None:
                continue
            self.open_ticket(ms, rng.choice(['order_issue', 'order_issue', 'account', 'other']), 'customer',
                             self.o_c[o], self.o_s[o], o, 'senior')
        # key account desk: the top seller's escalations
        for _ in range(poisson(rng, cap.get('ka', 0) * load)):
            ms = self.desk_time(d, 'ka')
            o = self.recent_order(d, seller=self.top)
            if o is None:
                continue
            c = self.o_c[o]
            r = rng.random()
            if r < 0.55:
                self.open_ticket(ms, 'order_issue', 'customer', c, self.top, o, 'ka')
            elif r < 0.85:
                self.open_ticket(ms, 'order_issue', 'seller', c, self.top, o, 'ka')
            else:
                self.open_ticket(ms, 'account', 'customer', c, self.top, None, 'ka')
        # seller desk
        for _ in range(poisson(rng, cap.get('seller', 0) * load)):
            ms = self.desk_time(d, 'seller')
            s = self.pick_seller(exclude_top=True)
            if rng.random() < 0.65:
                o = self.recent_order(d, seller=s)
                if o is not None:
                    self.open_ticket(ms, 'order_issue', 'seller', self.o_c[o], s, o, 'seller')
                    continue
            self.open_ticket(ms, 'other', 'seller', None, s, None, 'seller')
        # moderation disputes
        for _ in range(poisson(rng, cap.get('mod', 0) * 0.8)):
            ms = self.desk_time(d, 'mod')
            s = self.pick_seller()
            rv = [r for r in self.s_reviews[s][-40:] if self.r_t[r] < ms and self.r_rating[r] <= 3
                  and self.r_state_l[r] == 0]
            if not rv:
                continue
            r = rng.choice(rv)
            self.open_ticket(ms, 'review_dispute', 'seller', self.r_c[r], s, None, 'mod', review=r)
        for _ in range(poisson(rng, cap.get('mod2', 0) * 0.6)):
            if not self.deleted_reviews:
                break
            r = self.deleted_reviews[-1 - min(len(self.deleted_reviews) - 1, int(rng.expovariate(1 / 60.0)))]
            ms = self.desk_time(d, 'mod2')
            if self.r_t[r] >= ms:
                continue
            self.open_ticket(ms, 'review_dispute', 'customer', self.r_c[r], self.r_s[r], None, 'mod2', review=r)
        # fraud desk (customers)
        for _ in range(poisson(rng, cap.get('fraud', 0) * load)):
            ms = self.desk_time(d, 'fraud')
            if self.suspended_customers and rng.random() < 0.2:
                c, sms = self.suspended_customers.pop(rng.randrange(len(self.suspended_customers)))
                if sms < ms and self.c_state[c]:
                    self.open_ticket(ms, 'appeal', 'customer', c, None, None, 'fraud')
                    continue
            o = self.recent_order(d, days_back=20)
            if o is None:
                continue
            self.open_ticket(ms, 'fraud_report', 'system', self.o_c[o], self.o_s[o], o, 'fraud',
                             topic=rng.choice(['chargeback', 'velocity', 'stolen_card', 'account_takeover']))
        # tns desk: seller fraud reports (appeals arrive from bans)
        for _ in range(poisson(rng, cap.get('tns', 0) * 0.55)):
            ms = self.desk_time(d, 'tns')
            s = self.pick_seller(exclude_top=True)
            opener = 'system' if rng.random() < 0.7 else 'customer'
            c = self.pick_customer() if opener == 'customer' else None
            self.open_ticket(ms, 'fraud_report', opener, c, s, None, 'tns',
                             topic=rng.choice(['review_pattern', 'counterfeit_report', 'nondelivery', 'price_gouging']))
        # legal desk: data subject access requests
        for _ in range(poisson(rng, cap.get('legal', 0) * 0.6)):
            ms = self.desk_time(d, 'legal')
            self.open_ticket(ms, 'account', 'customer', self.pick_customer(), None, None, 'legal', topic='dsar')
        # system bans of sellers (plus forced ones for scenarios)
        for _ in range(poisson(rng, len(self.sid) * 0.0005)):
            s = self.pick_seller(exclude_top=True)
            if s < 3:
                continue
            ms = d * DAY + rng.randrange(DAY)
            reason = rng.choices(['fraud', 'review_manipulation', 'counterfeit', 'policy'], [35, 30, 20, 15])[0]
            self.ban_seller(ms, s, reason)
        for (bd, s, reason) in self.forced_bans.get(d, []):
            ms = d * DAY + rng.randrange(2 * HOUR, DAY - 2 * HOUR)
            self.ban_seller(ms, s, reason, forced=True)
        # system customer bans
        for _ in range(poisson(rng, self.n_norm * 0.00004)):
            c = self.pick_customer()
            if self.c_state[c]:
                continue
            ms = d * DAY + rng.randrange(DAY)
            self.c_state[c] = 1
            self.emit(ms, {'type': 'system', 'id': 'riskengine'}, 'account.ban',
                      target={'type': 'customer', 'id': self.cid[c]},
                      attrs={'reason': rng.choice(['fraud', 'fraud', 'policy'])}, src='mkt')
            if rng.random() < 0.5:
                self.suspended_customers.append((c, ms))
        # scheduled one-off marketplace events
        for fn, args in self.market_hooks.get(d, []):
            fn(*args)

    def ban_seller(self, ms, s, reason, forced=False, by_employee=None):
        rng = self.rng
        if self.s_banned[s] is not None:
            return
        self.s_banned[s] = (ms, reason)
        self.s_ban_hist[s].append((ms, reason))
        if by_employee is None:
            self.emit(ms, {'type': 'system', 'id': 'riskengine'}, 'account.ban',
                      target={'type': 'seller', 'id': self.sid[s]}, attrs={'reason': reason}, src='mkt')
        # the seller appeals (or not)
        if forced:
            if rng.random() < 0.5:
                self.s_forced_upheld.add(s)
                self.open_ticket(ms + rng.randint(6 * HOUR, 2 * DAY), 'appeal', 'seller', None, s, None, 'tns')
        elif rng.random() < 0.65:
            self.open_ticket(ms + rng.randint(2 * HOUR, 5 * DAY), 'appeal', 'seller', None, s, None, 'tns')
        elif reason == 'policy' and rng.random() < 0.4:
            # auto-ban false positive, reverted without appeal by whoever is on T&S duty
            self.timer(ms + rng.randint(2 * HOUR, 20 * HOUR), self.t_fp_revert, s, ms)

    def t_fp_revert(self, ms, s, ban_ms):
        if self.s_banned[s] is None or self.s_banned[s][0] != ban_ms:
            return
        e = self.someone_on('tns_analyst', ms)
        if e is None:
            return
        sess, emp = e
        self.s_banned[s] = None
        self.emit(ms, emp.actor(sess.seg), 'account.reactivate', target={'type': 'seller', 'id': self.sid[s]},
                  purpose={'code': 'quality_review', 'reason': 'auto-ban false positive'},
                  attrs={'tool': 'sentinel', 'note': 'policy auto-ban reverted'})

    def someone_on(self, role, ms):
        for s in self.on_shift.get(role, []):
            if s.start <= ms <= s.end:
                return s, s.emp
        return None

    # ------------------------------------------------------------------ employee work
    def login(self, sess, t, home=False):
        e = sess.emp
        rng = self.rng
        if home or sess.wfh:
            ip = '172.20.%d.%d' % (e.i % 200, rng.randrange(2, 250))
        else:
            ip = e.ipn
        a = e.actor(sess.seg)
        if rng.random() < 0.02:
            self.emit(max(self.floor, t - rng.randint(20 * SEC, 2 * MIN)), a, 'auth.login', outcome='failed',
                      attrs={'ip': ip, 'device': e.dev, 'method': 'sso'}, src='idp')
        self.emit(t, a, 'auth.login', attrs={'ip': ip, 'device': e.dev, 'method': 'sso', 'vpn': bool(home or sess.wfh)},
                  src='idp')

    def view(self, t, actor, c, fields, purpose, tool='helm', outcome=None):
        at = {'tool': tool}
        return self.emit(t, actor, 'customer.view', target={'type': 'customer', 'id': self.cid[c]},
                         fields=fields, purpose=purpose, outcome=outcome, attrs=at)

    def oview(self, t, actor, o, purpose, tool='helm'):
        return self.emit(t, actor, 'order.view', target={'type': 'order', 'id': 'o%d' % (self.o_base + o)},
                         purpose=purpose, attrs={'customer': self.cid[self.o_c[o]], 'seller': self.sid[self.o_s[o]],
                                                 'tool': tool})

    def search(self, t, actor, query, results, purpose, tool='helm', fields=None):
        return self.emit(t, actor, 'customer.search', targets=[self.cid[c] for c in results],
                         fields=fields, purpose=purpose, attrs={'query': query, 'tool': tool, 'hits': len(results)})

    def close(self, t, actor, tk, resolution):
        tk.status = 3
        tk.closed = t
        self.emit(t, actor, 'ticket.close', target={'type': 'ticket', 'id': tk.id}, attrs={'resolution': resolution})

    def assign(self, t, sess, tk):
        e = sess.emp
        rng = self.rng
        tk.owner = e
        tk.status = 1
        lead = e.lead
        if lead is not None and tk.desk in ('care', 'ka') and rng.random() < 0.3:
            for ls in self.on_shift_emp.get(lead.i, []):
                if ls.start <= t <= ls.end:
                    at = max(tk.open + rng.randint(SEC, 3 * MIN), t - rng.randint(MIN, 20 * MIN), self.floor)
                    at = min(at, t)
                    self.emit(at, lead.actor(ls.seg), 'ticket.assign', target={'type': 'ticket', 'id': tk.id},
                              attrs={'assignee': e.id, 'queue': tk.desk})
                    return t + rng.randint(MIN, 6 * MIN)
        self.emit(t, e.actor(sess.seg), 'ticket.assign', target={'type': 'ticket', 'id': tk.id},
                  attrs={'assignee': e.id, 'queue': tk.desk})
        return t + rng.randint(20 * SEC, 3 * MIN)

    def fields_for(self, tk):
        rng = self.rng
        f = list(FIELDS_BY_KIND[tk.kind])
        if tk.kind == 'order_issue':
            if rng.random() < 0.25:
                f.append('phone')
            if rng.random() < 0.2:
                f.append('email')
        elif tk.kind == 'other' and rng.random() < 0.3:
            f.append('orders')
        elif tk.kind == 'review_dispute' and rng.random() < 0.4:
            f.append('account')
        return ordered(f)

    def work_ticket(self, sess, tk, t):
        """Support-style handling: care, senior, ka, seller desks."""
        rng = self.rng
        e = sess.emp
        a = e.actor(sess.seg)
        t = self.assign(t, sess, tk)
        newbie = sess.L < e.newbie_until
        pur = {'ticket': tk.id, 'code': tk.code}
        c = tk.cust
        if c is None or c < 0:
            # seller-only ticket: look at a couple of the seller's recent orders
            if tk.seller is not None and tk.seller >= 0:
                for _ in range(rng.randint(0, 2)):
                    o = self.recent_order(sess.L, seller=tk.seller)
                    if o is not None:
                        t += rng.randint(30 * SEC, 4 * MIN)
                        self.oview(t, a, o, pur)
            t += rng.randint(3 * MIN, 25 * MIN)
            self.close(t, a, tk, rng.choice(['info_provided', 'no_action', 'policy_explained']))
            self.after_close(e, tk)
            return
        tk.fields = self.fields_for(tk)
        if rng.random() < (0.45 if newbie else e.srch):
            k = 0 if rng.random() < 0.5 else rng.randint(1, 4)
            if newbie:
                k += rng.randint(0, 3)
            res = [c] + self.others(k)
            rng.shuffle(res)
            self.search(t, a, self.query_for(c, rng, tk.order if tk.order is not None and tk.order >= 0 else None),
                        res, pur, fields=['name', 'email'])
            t += rng.randint(10 * SEC, 90 * SEC)
            if k and rng.random() < (0.1 if newbie else 0.02):
                wrong = next(x for x in res if x != c)
                self.view(t, a, wrong, ['name', 'email'], pur)
                t += rng.randint(10 * SEC, 60 * SEC)
        if newbie and 'payment' not in tk.fields and rng.random() < 0.05:
            self.view(t, a, c, ['payment'], pur, outcome='denied')
            t += rng.randint(10 * SEC, 60 * SEC)
        self.view(t, a, c, tk.fields, pur)
        if tk.order is not None and tk.order >= 0:
            t += rng.randint(20 * SEC, 3 * MIN)
            self.oview(t, a, tk.order, pur)
            if rng.random() < 0.3 and len(self.c_orders[c]) > 1:
                o2 = rng.choice(self.c_orders[c][-6:])
                if self.o_t[o2] < t:
                    t += rng.randint(20 * SEC, 2 * MIN)
                    self.oview(t, a, o2, pur)
        elif rng.random() < 0.4 and self.c_orders[c]:
            o2 = self.c_orders[c][-1]
            if self.o_t[o2] < t:
                t += rng.randint(20 * SEC, 2 * MIN)
                self.oview(t, a, o2, pur)
        if newbie and rng.random() < 0.04:
            # poking around during training
            t += rng.randint(MIN, 5 * MIN)
            self.view(t, a, self.others(1)[0], ['name', 'email', 'orders'],
                      {'code': 'customer_request', 'reason': 'training'} if rng.random() < 0.6 else None)
        if rng.random() < 0.006:
            # honest slip: a second look without citing the ticket
            t += rng.randint(MIN, 8 * MIN)
            self.view(t, a, c, ['name', 'orders'], None)
        t += rng.randint(2 * MIN, 18 * MIN)
        r = rng.random()
        if tk.desk == 'care' and r < 0.04:
            # escalate to the senior desk
            tk.status = 0
            tk.owner = None
            self.emit(t, a, 'x.ticket.escalate', target={'type': 'ticket', 'id': tk.id}, attrs={'to': 'senior'})
            heapq.heappush(self.desk['senior'], (t + MIN, tk.n, tk))
            return
        if r < 0.22:
            tk.status = 2
            if rng.random() < 0.75:
                reply = t + rng.randint(2 * HOUR, 30 * HOUR)
                e.pending.append((reply, tk))
                self.timer(reply + 96 * HOUR, self.t_autoclose, tk)
            else:
                self.timer(t + 72 * HOUR, self.t_autoclose, tk)
            return
        res = {'order_issue': ['refund_issued', 'replacement_sent', 'info_provided', 'carrier_claim'],
               'account': ['account_updated', 'password_reset', 'info_provided'],
               'other': ['info_provided', 'no_action']}[tk.kind if tk.kind in ('order_issue', 'account') else 'other']
        self.close(t, a, tk, rng.choice(res))
        self.after_close(e, tk)

    def after_close(self, e, tk):
        e.recent.append(tk)
        if e.lead is not None and e.lead.team_closed is not None:
            e.lead.team_closed.append(tk)
        if tk.desk in ('care', 'senior'):
            self.global_closed.append(tk)

    def t_autoclose(self, ms, tk):
        if tk.status == 2 or tk.status == 1:
            tk.status = 3
            tk.closed = ms
            self.emit(ms, {'type': 'system', 'id': 'helpdesk'}, 'ticket.close', target={'type': 'ticket', 'id': tk.id},
                      attrs={'resolution': 'auto_closed'})

    def followup(self, sess, tk, t):
        rng = self.rng
        e = sess.emp
        a = e.actor(sess.seg)
        pur = {'ticket': tk.id, 'code': tk.code}
        if tk.status == 3:
            # customer wrote back after the ticket closed: a look citing a closed ticket
            self.view(t, a, tk.cust, tk.fields or ['name'], pur)
            return
        self.view(t, a, tk.cust, tk.fields or ['name'], pur)
        if tk.order is not None and tk.order >= 0 and rng.random() < 0.4:
            t += rng.randint(20 * SEC, 2 * MIN)
            self.oview(t, a, tk.order, pur)
        t += rng.randint(2 * MIN, 12 * MIN)
        self.close(t, a, tk, rng.choice(['refund_issued', 'info_provided', 'resolved']))
        self.after_close(e, tk)

    def pop(self, heap, t):
        if heap and heap[0][0] <= t:
            return heapq.heappop(heap)[2]
        return None

    def slot_support(self, sess, t):
        e = sess.emp
        rng = self.rng
        if e.pending and rng.random() < 0.5:
            for k, (reply, tk) in enumerate(e.pending):
                if reply <= t:
                    e.pending.pop(k)
                    self.followup(sess, tk, t)
                    return
        role = sess.seg[1]
        if role == 'seller_success':
            tk = self.pop(self.seller_q.get(e.i, []), t) or self.pop(self.seller_q.get(-1, []), t)
            if tk is None:
                # colleague's queue when they are away
                for m in self.sellerdesk:
                    q = self.seller_q.get(m.i)
                    if q and q[0][0] < t - 20 * HOUR:
                        tk = self.pop(q, t)
                        break
        else:
            dk = self.CAP[role][0]
            tk = self.pop(self.desk[dk], t)
        if tk is None:
            return
        if tk.status == 3:
            return
        self.work_ticket(sess, tk, t)

    def slot_mod(self, sess, t):
        rng = self.rng
        e = sess.emp
        a = e.actor(sess.seg)
        role = sess.seg[1]
        if role == 'mod_l2':
            tk = self.pop(self.desk['mod2'], t)
            if tk is not None:
                self.mod_restore_ticket(sess, tk, t)
                return
        if rng.random() < 0.35 or not (self.flag_heap and self.flag_heap[0][0] <= t):
            tk = self.pop(self.desk['mod'], t)
            if tk is not None:
                self.mod_dispute(sess, tk, t)
                return
        # flagged review queue: several items per slot
        for _ in range(rng.randint(2, 6)):
            if not (self.flag_heap and self.flag_heap[0][0] <= t):
                return
            _, r = heapq.heappop(self.flag_heap)
            t += rng.randint(40 * SEC, 4 * MIN)
            if self.r_state_l[r]:
                continue
            bad = self.r_bad[r]
            self.qn += 1
            if bad and rng.random() < 0.92:
                if rng.random() < 0.15:
                    self.view(t, a, self.r_c[r], ['reviews', 'account'], {'code': 'quality_review'}, tool='modq')
                    t += rng.randint(20 * SEC, 2 * MIN)
                reason = {1: 'spam', 2: 'abuse', 3: 'off_topic'}[bad]
                if rng.random() < 0.04:
                    reason = 'other'
                self.delete_review(t, a, r, reason, {'code': 'quality_review'}, via='queue')
            elif not bad and rng.random() < 0.03:
                # judgement call on a borderline review
                self.delete_review(t, a, r, rng.choice(['off_topic', 'other']), {'code': 'quality_review'}, via='queue')

    def delete_review(self, t, a, r, reason, purpose, via, ticket=None):
        self.r_state_l[r] = 1
        self.deleted_reviews.append(r)
        at = {'reason': reason, 'via': via, 'tool': 'modq', 'seller': self.sid[self.r_s[r]]}
        if via == 'queue':
            at['queue_item'] = 'mq%d' % (900000 + r)
        return self.emit(t, a, 'review.delete', target={'type': 'review', 'id': 'r%d' % (self.r_base + r)},
                         purpose=purpose, attrs=at)

    def mod_dispute(self, sess, tk, t):
        rng = self.rng
        a = sess.emp.actor(sess.seg)
        t = self.assign(t, sess, tk)
        r = tk.review
        pur = {'ticket': tk.id, 'code': 'seller_request'}
        if rng.random() < 0.6:
            self.view(t, a, tk.cust, ['name', 'reviews'], pur, tool='modq')
            t += rng.randint(30 * SEC, 4 * MIN)
        t += rng.randint(MIN, 10 * MIN)
        if self.r_state_l[r] == 0 and ((self.r_bad[r] and rng.random() < 0.8) or rng.random() < 0.07):
            reason = {0: 'seller_request', 1: 'spam', 2: 'abuse', 3: 'off_topic'}[self.r_bad[r]]
            self.delete_review(t, a, r, reason, pur, via='ticket')
            t += rng.randint(20 * SEC, 2 * MIN)
            self.close(t, a, tk, 'removed')
        else:
            self.close(t, a, tk, 'kept')
        sess.emp.recent.append(tk)

    def mod_restore_ticket(self, sess, tk, t):
        rng = self.rng
        a = sess.emp.actor(sess.seg)
        t = self.assign(t, sess, tk)
        pur = {'ticket': tk.id, 'code': 'customer_request'}
        self.view(t, a, tk.cust, ['name', 'reviews', 'account'], pur, tool='modq')
        t += rng.randint(2 * MIN, 15 * MIN)
        r = tk.review
        if self.r_state_l[r] == 1 and (self.r_bad[r] == 0 and rng.random() < 0.6 or rng.random() < 0.1):
            self.r_state_l[r] = 0
            self.emit(t, a, 'review.restore', target={'type': 'review', 'id': 'r%d' % (self.r_base + r)},
                      purpose=pur, attrs={'tool': 'modq', 'seller': self.sid[self.r_s[r]]})
            t += rng.randint(20 * SEC, 2 * MIN)
            self.close(t, a, tk, 'restored')
        else:
            self.close(t, a, tk, 'upheld')
        sess.emp.recent.append(tk)

    def slot_fraud(self, sess, t):
        rng = self.rng
        tk = self.pop(self.desk['fraud'], t)
        if tk is None:
            return
        e = sess.emp
        a = e.actor(sess.seg)
        t = self.assign(t, sess, tk)
        c = tk.cust
        if tk.kind == 'appeal':
            pur = {'ticket': tk.id, 'code': 'customer_request'}
            self.view(t, a, c, ['name', 'account', 'orders', 'payment'], pur, tool='sentinel')
            for o in self.past_cust_orders(c, t, rng.randint(1, 3)):
                t += rng.randint(30 * SEC, 3 * MIN)
                self.oview(t, a, o, pur, tool='sentinel')
            t += rng.randint(5 * MIN, 30 * MIN)
            if rng.random() < 0.5 and self.c_state[c]:
                self.c_state[c] = 0
                self.emit(t, a, 'account.reactivate', target={'type': 'customer', 'id': self.cid[c]},
                          purpose=pur, attrs={'appeal': tk.id, 'tool': 'sentinel'})
                t += rng.randint(20 * SEC, 2 * MIN)
                self.close(t, a, tk, 'reinstated')
            else:
                self.close(t, a, tk, 'upheld')
            e.recent.append(tk)
            return
        pur = {'ticket': tk.id, 'code': 'fraud_investigation'}
        self.view(t, a, c, ['name', 'email', 'payment', 'orders', 'account'], pur, tool='sentinel')
        for o in self.past_cust_orders(c, t, rng.randint(1, 4)):
            t += rng.randint(20 * SEC, 2 * MIN)
            self.oview(t, a, o, pur, tool='sentinel')
        if rng.random() < 0.5:
            linked = self.others(rng.randint(0, 3))
            t += rng.randint(30 * SEC, 3 * MIN)
            self.search(t, a, 'payment_fp:%08x' % ((c * 2654435761) & 0xffffffff), [c] + linked, pur, tool='sentinel',
                        fields=['name', 'payment'])
            for x in linked[:2]:
                t += rng.randint(30 * SEC, 3 * MIN)
                self.view(t, a, x, ['name', 'payment', 'account'], pur, tool='sentinel')
        t += rng.randint(3 * MIN, 25 * MIN)
        if rng.random() < 0.3 and not self.c_state[c]:
            self.c_state[c] = 1
            self.emit(t, a, 'account.suspend', target={'type': 'customer', 'id': self.cid[c]}, purpose=pur,
                      attrs={'reason': 'fraud', 'tool': 'sentinel'})
            self.suspended_customers.append((c, t))
            t += rng.randint(20 * SEC, 2 * MIN)
            self.close(t, a, tk, 'suspended')
        else:
            self.close(t, a, tk, rng.choice(['no_fraud', 'monitoring', 'refund_blocked']))
        e.recent.append(tk)

    def slot_tns(self, sess, t):
        rng = self.rng
        tk = self.pop(self.desk['tns'], t)
        if tk is None:
            return
        e = sess.emp
        a = e.actor(sess.seg)
        t = self.assign(t, sess, tk)
        s = tk.seller
        pur = {'ticket': tk.id, 'code': 'fraud_investigation'}
        if tk.kind == 'appeal':
            # look at what the ban was about: orders and reviewers
            for o in self.past_orders(s, t, rng.randint(1, 4)):
                t += rng.randint(30 * SEC, 4 * MIN)
                self.oview(t, a, o, pur, tool='sentinel')
            rv = self.s_reviews[s][-30:]
            for r in rng.sample(rv, min(len(rv), rng.randint(0, 3))):
                if self.r_t[r] < t:
                    t += rng.randint(30 * SEC, 3 * MIN)
                    self.view(t, a, self.r_c[r], ['reviews', 'account'], pur, tool='sentinel')
            t += rng.randint(10 * MIN, 50 * MIN)
            ban = self.s_banned[s]
            if ban is not None and s not in self.s_forced_upheld and s not in self.protected_sellers and \
                    rng.random() < 0.4 and ban[0] < t - 20 * HOUR:
                self.s_banned[s] = None
                self.emit(t, a, 'account.reactivate', target={'type': 'seller', 'id': self.sid[s]}, purpose=pur,
                          attrs={'appeal': tk.id, 'tool': 'sentinel'})
                t += rng.randint(20 * SEC, 2 * MIN)
                self.close(t, a, tk, 'reinstated')
            elif ban is not None and ban[0] >= t - 20 * HOUR:
                # too early: put it back for later
                tk.status = 0
                heapq.heappush(self.desk['tns'], (t + rng.randint(20 * HOUR, 40 * HOUR), tk.n, tk))
                return
            else:
                self.close(t, a, tk, 'upheld')
                self.s_appeal_upheld[s] = tk
            e.recent.append(tk)
            return
        if tk.topic == 'review_attack':
            fakes = tk.x['fakes']
            for x in fakes[:rng.randint(3, 6)]:
                t += rng.randint(30 * SEC, 2 * MIN)
                self.view(t, a, x, ['reviews', 'account'], pur, tool='sentinel')
            for x in fakes:
                if self.c_state[x]:
                    continue
                t += rng.randint(5 * SEC, 40 * SEC)
                self.c_state[x] = 1
                self.emit(t, a, 'account.suspend', target={'type': 'customer', 'id': self.cid[x]}, purpose=pur,
                          attrs={'reason': 'review_manipulation', 'tool': 'sentinel', 'case': tk.id})
            t += rng.randint(2 * MIN, 10 * MIN)
            self.close(t, a, tk, 'accounts_suspended')
            e.recent.append(tk)
            return
        for o in self.past_orders(s, t, rng.randint(1, 5)):
            if self.o_t[o] < t:
                t += rng.randint(20 * SEC, 3 * MIN)
                self.oview(t, a, o, pur, tool='sentinel')
        rv = self.s_reviews[s][-40:]
        for r in rng.sample(rv, min(len(rv), rng.randint(0, 3))):
            if self.r_t[r] < t:
                t += rng.randint(30 * SEC, 3 * MIN)
                self.view(t, a, self.r_c[r], ['reviews', 'account'], pur, tool='sentinel')
        if tk.cust is not None and tk.cust >= 0:
            t += rng.randint(30 * SEC, 3 * MIN)
            self.view(t, a, tk.cust, ['name', 'email', 'orders'], pur, tool='sentinel')
        t += rng.randint(5 * MIN, 40 * MIN)
        if rng.random() < 0.15 and self.s_banned[s] is None and s not in self.protected_sellers and s > 2:
            reason = rng.choice(['fraud', 'review_manipulation', 'counterfeit', 'policy'])
            self.emit(t, a, 'account.suspend', target={'type': 'seller', 'id': self.sid[s]}, purpose=pur,
                      attrs={'reason': reason, 'tool': 'sentinel'})
            self.ban_seller(t, s, reason, by_employee=e)
            t += rng.randint(20 * SEC, 2 * MIN)
            self.close(t, a, tk, 'suspended')
        else:
            self.close(t, a, tk, rng.choice(['no_violation', 'warning_sent', 'monitoring']))
        e.recent.append(tk)

    def slot_legal(self, sess, t):
        rng = self.rng
        tk = self.pop(self.desk['legal'], t)
        if tk is None:
            return
        e = sess.emp
        a = e.actor(sess.seg)
        t = self.assign(t, sess, tk)
        if tk.topic == 'dsar':
            pur = {'ticket': tk.id, 'code': 'customer_request', 'reason': 'data subject access request'}
            self.view(t, a, tk.cust, ['name', 'email', 'account'], pur, tool='vault')
            t += rng.randint(2 * MIN, 10 * MIN)
            self.batchn += 1
            self.emit(t, a, 'customer.export', targets=[self.cid[tk.cust]], fields=list(FIELD_ORDER), purpose=pur,
                      attrs={'format': 'zip', 'tool': 'vault', 'batch': 'bx%d' % self.batchn})
            t += rng.randint(2 * MIN, 20 * MIN)
            self.close(t, a, tk, 'fulfilled')
            return
        # legal request about a seller's buyers
        s = tk.seller
        buyers = []
        seen = set()
        for o in self.s_orders[s]:
            if self.o_t[o] < t and self.o_c[o] not in seen:
                seen.add(self.o_c[o])
                buyers.append(self.o_c[o])
        buyers = buyers[-tk.x['n']:]
        self.aprn += 1
        pur = {'ticket': tk.id, 'code': 'legal', 'reason': tk.x['reason'], 'approval': 'apr-%05d' % (20000 + self.aprn)}
        self.search(t, a, 'seller:%s orders:>=1' % self.sid[s], buyers[:500], pur, tool='vault', fields=['name', 'email'])
        t += rng.randint(5 * MIN, 30 * MIN)
        self.batchn += 1
        b = 'bx%d' % self.batchn
        for k in range(0, len(buyers), 1000):
            chunk = buyers[k:k + 1000]
            self.emit(t, a, 'customer.export', targets=[self.cid[x] for x in chunk],
                      fields=['name', 'email', 'address', 'orders'], purpose=pur,
                      attrs={'format': 'csv', 'tool': 'vault', 'batch': b, 'part': k // 1000 + 1,
                             'parts': (len(buyers) + 999) // 1000})
            t += rng.randint(2 * SEC, 20 * SEC)
        t += rng.randint(30 * MIN, 3 * HOUR)
        self.close(t, a, tk, 'fulfilled')

    def slot_other(self, sess, t):
        """sre, bizops, leads: occasional tasks."""
        rng = self.rng
        e = sess.emp
        role = sess.seg[1]
        a = e.actor(sess.seg)
        if role == 'support_lead':
            pool = self.global_closed if sess.seg[2] == 'care-qa' else e.team_closed
            if not pool:
                return
            tk = pool[rng.randrange(len(pool))]
            if tk.cust is None or tk.cust < 0 or tk.closed is None or tk.closed > t:
                return
            pur = {'ticket': tk.id, 'code': 'quality_review'}
            self.view(t, a, tk.cust, tk.fields or ['name'], pur)
            if tk.order is not None and tk.order >= 0 and rng.random() < 0.5:
                self.oview(t + rng.randint(20 * SEC, 2 * MIN), a, tk.order, pur)
            return
        if role == 'sre':
            self.incn += 1
            pur = {'code': 'break_glass', 'reason': 'INC-%d data repair' % (4000 + self.incn)}
            base = self.tickets[-rng.randint(1, min(500, len(self.tickets)))]
            cs = [base.cust] if base.cust is not None and base.cust >= 0 else self.others(1)
            cs += self.others(rng.randint(0, 2))
            for c in cs:
                t += rng.randint(MIN, 6 * MIN)
                self.view(t, a, c, ['account'], pur, tool='adminctl')
            return
        if role == 'bizops_analyst':
            self.aprn += 1
            pur = {'code': 'quality_review', 'reason': rng.choice(['NPS survey sample', 'CSAT callback sample',
                                                                   'churn interview panel']),
                   'approval': 'apr-%05d' % (20000 + self.aprn)}
            k = rng.randint(25, 150)
            res = self.others(k)
            q = 'city:%s orders:>%d' % (rng.choice(CITIES), rng.randint(2, 8))
            self.search(t, a, q, res, pur, tool='cohorts', fields=['name', 'email'])
            if rng.random() < 0.2:
                self.batchn += 1
                self.emit(t + rng.randint(2 * MIN, 20 * MIN), a, 'customer.export', targets=[self.cid[x] for x in res],
                          fields=['name', 'email'], purpose=pur,
                          attrs={'format': 'csv', 'tool': 'cohorts', 'batch': 'bx%d' % self.batchn})

    # ------------------------------------------------------------------ look-alikes
    def plan_lookalikes(self):
        rng = self.rng
        days = self.days
        self.market_hooks = {}
        self.forced_bans = {}
        # spam wave on one big seller
        wd = max(2, int(days * 0.45))
        victim = rng.randint(2, 6)
        self.spam_victim = victim
        self.market_hooks.setdefault(wd, []).append((self.hook_spam_wave, (wd, victim)))
        # legal requests about sellers' buyers
        self.legal_days = []
        n_legal = max(1, days // 15)
        for k in range(n_legal):
            d = int((k + 0.5) * days / n_legal)
            s = rng.randint(1, 40)
            big = (k == 0)
            self.market_hooks.setdefault(d, []).append((self.hook_legal, (d, s, big)))
            self.legal_days.append((d, s))

    def hook_spam_wave(self, d, victim):
        rng = self.rng
        t0 = d * DAY + rng.randint(HOUR, 10 * HOUR)
        n = min(220, max(40, self.n_fake * 2))
        products = [self.s_pbase[victim] + rng.randrange(self.s_nprod[victim]) for _ in range(4)]
        for k in range(n):
            c = self.fakes[k % len(self.fakes)]
            ms = t0 + int(rng.expovariate(1 / (10 * HOUR)))
            if ms >= (d + 2) * DAY:
                ms = (d + 2) * DAY - rng.randrange(HOUR)
            self.new_review(ms, c, victim, rng.choice(products), 1 if rng.random() < 0.9 else 2, 1)
        tk = self.open_ticket(t0 + 9 * HOUR, 'fraud_report', 'system', None, victim, None, 'tns', topic='review_attack')
        tk.x = {'fakes': list(self.fakes)}
        self.spam_case = tk.id

    def hook_legal(self, d, s, big):
        rng = self.rng
        ms = d * DAY + rng.randint(8 * HOUR, 14 * HOUR)
        tk = self.open_ticket(ms, 'other', 'system', None, s, None, 'legal', topic='legal_request',
                              extra={'authority': rng.choice(['court', 'regulator', 'police'])})
        tk.x = {'n': rng.randint(1500, 3000) if big else rng.randint(150, 600)}
        tk.x['reason'] = rng.choice(['court order CO-%d' % rng.randint(1000, 9999),
                                      'regulator request RQ-%d' % rng.randint(100, 999)])

    # ------------------------------------------------------------------ insiders
    def eligible(self, roles, used, need_days=None):
        out = []
        for e in self.emps0:
            if e.i in used or e.leave_day is not None or len(e.segs) > 1 or e is self.qa_lead:
                continue
            if e.segs[0][1] in roles:
                out.append(e)
        return out

    def window(self, lo_frac, hi_frac, length):
        days = self.days
        length = max(4, min(length, int(days * 0.6)))
        lo = max(3, int(days * lo_frac))
        hi = max(lo, min(int(days * hi_frac), days - length - 1))
        w0 = self.rng.randint(lo, hi)
        return w0, min(days - 1, w0 + length)

    def plan_insiders(self):
        rng = self.rng
        K = self.a.insiders
        used = set()
        self.insiders = []
        self.protected_sellers = set()
        scen = ['data_sale', 'broker', 'review_deletion', 'reactivation', 'bulk_harvest', 'departing',
                'collusion', 'honeytoken']
        taken_sellers = set([self.top, self.spam_victim])

        def pick(roles):
            c = self.eligible(roles, used)
            if not c:
                c = self.eligible(('support_rep',), used)
            e = rng.choice(c)
            used.add(e.i)
            return e

        def mid_seller(lo, hi):
            for _ in range(100):
                s = rng.randint(lo, min(hi, len(self.sid) - 1))
                if s not in taken_sellers:
                    taken_sellers.add(s)
                    return s
            return rng.randint(lo, len(self.sid) - 1)

        I = self.I
        for g in range(K):
            for sc in scen:
                grp = '%s-%d' % (sc, g + 1)
                if sc == 'data_sale':
                    e = pick(('support_rep', 'support_senior'))
                    ins = Insider(e, sc, grp)
                    ins.sellers = [mid_seller(4, 60) for _ in range(rng.choice([1, 1, 2]))]
                    w = self.window(0.15, 0.55, rng.randint(21, 35))
                    self.plan_daily(ins, w, 0.65, 5.0 * I, 'harvest', after_hours=0.2)
                    self.insiders.append(ins)
                elif sc == 'broker':
                    clients = [mid_seller(10, 300) for _ in range(rng.randint(3, 5))]
                    if rng.random() < 0.6:
                        members = [pick(('seller_success',))] + [pick(('support_rep',)) for _ in range(rng.randint(1, 2))]
                        rate = 3.0
                    else:
                        members = [pick(('support_rep', 'support_senior'))]
                        rate = 5.0
                    w = self.window(0.1, 0.5, rng.randint(28, 45))
                    for e in members:
                        ins = Insider(e, sc, grp)
                        ins.sellers = list(clients)
                        ww = (w[0] + rng.randint(0, 5), w[1])
                        self.plan_daily(ins, ww, 0.55, rate * I, 'broker', after_hours=0.1)
                        self.insiders.append(ins)
                elif sc == 'review_deletion':
                    e = pick(('mod_l1',))
                    ins = Insider(e, sc, grp)
                    ins.sellers = [mid_seller(3, 40) for _ in range(rng.choice([1, 2]))]
                    w = self.window(0.15, 0.5, rng.randint(28, 42))
                    self.plan_daily(ins, w, 0.6, 2.0 * I, 'delete', after_hours=0.0)
                    self.insiders.append(ins)
                elif sc == 'reactivation':
                    e = pick(('tns_analyst', 'fraud_ops'))
                    ins = Insider(e, sc, grp)
                    n = max(1, round(3 * I))
                    targets = [mid_seller(20, len(self.sid) - 1) for _ in range(n)]
                    ins.sellers = targets
                    w = self.window(0.2, 0.7, rng.randint(20, 40))
                    sess = [s for s in e.sessions if w[0] <= s.L <= w[1]]
                    chosen = sorted(rng.sample(sess, min(n, len(sess))), key=lambda s: s.start)
                    for s, b in zip(chosen, targets):
                        bd = max(0, s.L - rng.randint(3, 12))
                        self.forced_bans.setdefault(bd, []).append((bd, b, rng.choice(['fraud', 'review_manipulation'])))
                        s.mal.append((self.rand_in(s), 'reactivate', b))
                        self.protected_sellers.add(b)
                    self.insiders.append(ins)
                elif sc == 'bulk_harvest':
                    e = pick(('support_senior', 'bizops_analyst', 'seller_success'))
                    ins = Insider(e, sc, grp)
                    n = max(1, round(8 * I))
                    w = self.window(0.15, 0.6, rng.randint(20, 40))
                    sess = [s for s in e.sessions if w[0] <= s.L <= w[1]]
                    for s in sorted(rng.sample(sess, min(n, len(sess))), key=lambda s: s.start):
                        home = rng.random() < 0.35
                        s.mal.append((self.rand_in(s, home), 'bulk', home))
                    self.insiders.append(ins)
                elif sc == 'departing':
                    e = pick(('seller_success', 'support_senior', 'ka_specialist'))
                    ins = Insider(e, sc, grp)
                    leave = rng.randint(max(12, int(self.days * 0.55)), self.days - 2)
                    e.leave_day = leave
                    e.leave_reason = 'resigned'
                    e.sessions = [s for s in e.sessions if s.L <= leave]
                    for d in range(len(self.sessions_by_day)):
                        pass
                    w = (max(int(self.days * 0.25), leave - rng.randint(8, 18)), leave)
                    self.plan_daily(ins, w, 0.7, 12.0 * I, 'depart', after_hours=0.15)
                    sess = [s for s in e.sessions if w[0] <= s.L <= w[1]]
                    for s in rng.sample(sess, min(len(sess), max(1, round(2 * I)))):
                        s.mal.append((self.rand_in(s), 'depart_export', None))
                    self.insiders.append(ins)
                elif sc == 'collusion':
                    S = mid_seller(3, 40)
                    w = self.window(0.15, 0.45, rng.randint(28, 42))
                    m1 = pick(('mod_l1',))
                    i1 = Insider(m1, sc, grp)
                    i1.sellers = [S]
                    self.plan_daily(i1, w, 0.5, 1.5 * I, 'delete', after_hours=0.0)
                    m2 = pick(('support_rep',))
                    i2 = Insider(m2, sc, grp)
                    i2.sellers = [S]
                    i2.extra['collude'] = True
                    self.plan_daily(i2, (w[0] + rng.randint(0, 6), w[1]), 0.5, 3.0 * I, 'harvest', after_hours=0.1)
                    self.insiders += [i1, i2]
                    if rng.random() < 0.6 or K == 1:
                        m3 = pick(('tns_analyst',))
                        i3 = Insider(m3, sc, grp)
                        i3.sellers = [S]
                        mid = (w[0] + w[1]) // 2
                        sess = [s for s in m3.sessions if mid + 1 <= s.L <= w[1]]
                        if sess:
                            s = sess[0]
                            bd = max(0, s.L - rng.randint(1, 3))
                            self.forced_bans.setdefault(bd, []).append((bd, S, 'review_manipulation'))
                            s.mal.append((self.rand_in(s), 'reactivate', S))
                            self.protected_sellers.add(S)
                            self.insiders.append(i3)
                elif sc == 'honeytoken':
                    e = pick(('support_rep', 'mod_l1', 'sre', 'fraud_ops', 'support_senior'))
                    ins = Insider(e, sc, grp)
                    w = self.window(0.15, 0.7, rng.randint(14, 30))
                    sess = [s for s in e.sessions if w[0] <= s.L <= w[1]]
                    n = max(1, round(6 * I))
                    picks = sorted(rng.sample(sess, min(len(sess), n + 1)), key=lambda s: s.start)
                    hk = rng.randrange(len(picks))
                    for k, s in enumerate(picks):
                        s.mal.append((self.rand_in(s), 'honey' if k == hk else 'snoop', None))
                    self.insiders.append(ins)
        for ins in self.insiders:
            ins.emp.insider = ins
        # rebuild day index (departing removed sessions)
        valid = set()
        for e in self.emps:
            for s in e.sessions:
                valid.add(id(s))
        self.sessions_by_day = [[s for s in day if id(s) in valid] for day in self.sessions_by_day]

    def rand_in(self, s, home=False):
        rng = self.rng
        if home:
            return s.end + rng.randint(90 * MIN, 4 * HOUR)
        return rng.randint(s.start + 10 * MIN, max(s.start + 11 * MIN, s.end - 5 * MIN))

    def plan_daily(self, ins, w, p_active, rate, kind, after_hours=0.0):
        rng = self.rng
        e = ins.emp
        sess = [s for s in e.sessions if w[0] <= s.L <= w[1]]
        total = 0
        for s in sess:
            if rng.random() >= p_active:
                continue
            n = poisson(rng, rate)
            home = rng.random() < after_hours
            for _ in range(n):
                s.mal.append((self.rand_in(s, home), kind, home))
            total += n
        if total == 0 and sess:
            s = rng.choice(sess)
            s.mal.append((self.rand_in(s), kind, False))

    # --- malicious acts -------------------------------------------------------
    def cover_ticket(self, e, t):
        cands = [tk for tk in e.recent if tk.cust is not None and tk.cust >= 0 and tk.open < t]
        if not cands:
            return None
        return cands[-1 - min(len(cands) - 1, int(self.rng.expovariate(0.5)))]

    def home_login(self, ins, sess, t):
        if ins.home_login != sess.start:
            ins.home_login = sess.start
            self.login(sess, t - self.rng.randint(2 * MIN, 10 * MIN), home=True)

    def harvest_targets(self, ins, t, kind):
        """Customers an insider wants: reviewers/buyers of the sellers involved."""
        rng = self.rng
        sellers = ins.sellers
        s = rng.choice(sellers)
        r = rng.random()
        pool = []
        if kind == 'broker' and r < 0.5:
            # buyers of competitors in the same category
            comp = [x for x in self.cat_sellers[self.s_cat[s]] if x != s and x < 200]
            if comp:
                cs = rng.choice(comp)
                lst = self.past_orders(cs, t, 400)
                pool = [self.o_c[o] for o in lst if self.o_t[o] < t]
            return pool, s
        if r < 0.7:
            rv = self.s_reviews[s]
            pool = [self.r_c[x] for x in rv if self.r_t[x] < t and self.r_rating[x] <= 2 and self.r_c[x] < self.n_norm]
        if not pool or r >= 0.7:
            pool = [self.o_c[o] for o in self.past_orders(s, t, 600)]
        return pool, s

    def act_harvest(self, ins, sess, t, kind, home):
        rng = self.rng
        e = sess.emp
        a = e.actor(sess.seg)
        if home:
            self.home_login(ins, sess, t)
        pool, s = self.harvest_targets(ins, t, kind)
        fresh = [c for c in pool if c not in ins.harvested]
        if not fresh:
            fresh = pool
        if not fresh:
            return
        c = rng.choice(fresh)
        ins.harvested.add(c)
        covered = rng.random() < self.cover
        ins.n_acts += 1
        role = sess.seg[1]
        # seller-success insiders get the client seller to open a ticket about the customer
        if covered and role == 'seller_success' and c in [self.o_c[o] for o in self.past_orders(s, t, 300)]:
            os_ = [o for o in self.c_orders[c] if self.o_s[o] == s and self.o_t[o] < t]
            if os_:
                o = os_[-1]
                topen = max(self.floor, t - rng.randint(5 * MIN, 90 * MIN))
                tk = self.open_ticket(topen, 'order_issue', 'seller', c, s, o, 'seller', push=False)
                tk.owner = e
                self.emit(t, a, 'ticket.assign', target={'type': 'ticket', 'id': tk.id},
                          attrs={'assignee': e.id, 'queue': 'seller'})
                ins.mark(t)
                pur = {'ticket': tk.id, 'code': 'seller_request'}
                t += rng.randint(30 * SEC, 3 * MIN)
                tk.fields = ['name', 'phone', 'address', 'orders']
                self.view(t, a, c, tk.fields, pur)
                ins.mark(t, [c])
                t += rng.randint(20 * SEC, 2 * MIN)
                self.oview(t, a, o, pur)
                ins.mark(t, [c])
                t += rng.randint(3 * MIN, 15 * MIN)
                self.close(t, a, tk, 'info_provided')
                ins.n_covered += 1
                return
        if covered:
            tk = self.cover_ticket(e, t)
        else:
            tk = None
        if tk is not None:
            ins.n_covered += 1
            pur = {'ticket': tk.id, 'code': tk.code}
            f = list(FIELDS_BY_KIND.get(tk.kind, ['name', 'email']))
            if 'phone' not in f and rng.random() < 0.5:
                f.append('phone')
            if rng.random() < 0.35:
                res = [c] + self.others(rng.randint(0, 2))
                rng.shuffle(res)
                self.search(t, a, self.query_for(c, rng), res, pur, fields=['name', 'email'])
                ins.mark(t, res)
                t += rng.randint(10 * SEC, 60 * SEC)
            self.view(t, a, c, ordered(f), pur)
            ins.mark(t, [c])
            os_ = [o for o in self.c_orders[c] if self.o_t[o] < t]
            if os_ and rng.random() < 0.5:
                t += rng.randint(20 * SEC, 2 * MIN)
                self.oview(t, a, os_[-1], pur)
                ins.mark(t, [c])
            return
        # uncovered
        r = rng.random()
        pur = None if r < 0.5 else {'code': 'customer_request'}
        if rng.random() < 0.15:
            # pull a list in one go
            k = rng.randint(4, 15)
            lst = [c] + rng.sample(fresh, min(len(fresh), k))
            lst = list(dict.fromkeys(lst))
            q = ('seller:%s rating:<=2' % self.sid[s]) if kind != 'broker' else ('bought_from:%s' % self.sid[s])
            self.search(t, a, q, lst, pur, fields=['name', 'email', 'phone'])
            ins.harvested.update(lst)
            ins.mark(t, lst)
            t += rng.randint(20 * SEC, 2 * MIN)
        elif rng.random() < 0.3:
            res = [c] + self.others(rng.randint(0, 2))
            self.search(t, a, self.query_for(c, rng), res, pur, fields=['name', 'email'])
            ins.mark(t, res)
            t += rng.randint(10 * SEC, 60 * SEC)
        f = ['name', 'email', 'phone', 'address'] if rng.random() < 0.7 else ['name', 'email', 'phone']
        if rng.random() < 0.3:
            f.append('orders')
        self.view(t, a, c, ordered(f), pur)
        ins.mark(t, [c])

    def act_delete(self, ins, sess, t):
        rng = self.rng
        e = sess.emp
        a = e.actor(sess.seg)
        s = rng.choice(ins.sellers)
        cands = [r for r in self.s_reviews[s][-400:] if self.r_state_l[r] == 0 and t - 40 * DAY < self.r_t[r] < t - 30 * MIN
                 and (self.r_rating[r] <= 2 or (self.r_rating[r] == 3 and rng.random() < 0.3))]
        if not cands:
            return
        r = max(cands, key=lambda x: self.r_t[x]) if rng.random() < 0.5 else rng.choice(cands)
        ins.n_acts += 1
        covered = rng.random() < self.cover
        if covered and rng.random() < 0.6:
            ins.n_covered += 1
            topen = max(self.floor, t - rng.randint(10 * MIN, 6 * HOUR), self.r_t[r] + MIN)
            if topen > t:
                topen = t - SEC
            tk = self.open_ticket(topen, 'review_dispute', 'seller', self.r_c[r], s, None, 'mod', review=r, push=False)
            tk.owner = e
            self.emit(t, a, 'ticket.assign', target={'type': 'ticket', 'id': tk.id}, attrs={'assignee': e.id, 'queue': 'mod'})
            ins.mark(t)
            pur = {'ticket': tk.id, 'code': 'seller_request'}
            if rng.random() < 0.5:
                t += rng.randint(30 * SEC, 3 * MIN)
                self.view(t, a, self.r_c[r], ['name', 'reviews'], pur, tool='modq')
                ins.mark(t, [self.r_c[r]])
            t += rng.randint(MIN, 8 * MIN)
            self.delete_review(t, a, r, rng.choice(['seller_request', 'off_topic', 'abuse']), pur, via='ticket')
            ins.mark(t)
            t += rng.randint(20 * SEC, 2 * MIN)
            self.close(t, a, tk, 'removed')
        elif covered:
            ins.n_covered += 1
            self.delete_review(t, a, r, rng.choice(['abuse', 'off_topic', 'spam']), {'code': 'quality_review'},
                               via='review_page')
            ins.mark(t)
        else:
            self.delete_review(t, a, r, rng.choice(['off_topic', 'other', 'abuse']), None, via='review_page')
            ins.mark(t)
        # some reviewers notice and complain
        if rng.random() < 0.12:
            ms = t + rng.randint(6 * HOUR, 4 * DAY)
            self.open_ticket(ms, 'review_dispute', 'customer', self.r_c[r], s, None, 'mod2', review=r)

    def act_reactivate(self, ins, sess, t, s):
        rng = self.rng
        e = sess.emp
        a = e.actor(sess.seg)
        if self.s_banned[s] is None:
            return
        ins.n_acts += 1
        covered = rng.random() < self.cover
        if covered:
            ins.n_covered += 1
            up = self.s_appeal_upheld[s]
            if up is not None and rng.random() < 0.4:
                pur = {'ticket': up.id, 'code': 'seller_request'}
                self.s_banned[s] = None
                self.emit(t, a, 'account.reactivate', target={'type': 'seller', 'id': self.sid[s]}, purpose=pur,
                          attrs={'appeal': up.id, 'tool': 'sentinel'})
                ins.mark(t)
                return
            topen = max(self.floor, t - rng.randint(5 * MIN, 90 * MIN))
            tk = self.open_ticket(topen, 'appeal', 'seller', None, s, None, 'tns', push=False)
            tk.owner = e
            self.emit(t, a, 'ticket.assign', target={'type': 'ticket', 'id': tk.id}, attrs={'assignee': e.id, 'queue': 'tns'})
            ins.mark(t)
            pur = {'ticket': tk.id, 'code': 'fraud_investigation'}
            for o in self.past_orders(s, t, rng.randint(0, 2)) if rng.random() < 0.6 else []:
                t += rng.randint(30 * SEC, 3 * MIN)
                self.oview(t, a, o, pur, tool='sentinel')
            t += rng.randint(2 * MIN, 15 * MIN)
            self.s_banned[s] = None
            self.emit(t, a, 'account.reactivate', target={'type': 'seller', 'id': self.sid[s]}, purpose=pur,
                      attrs={'appeal': tk.id, 'tool': 'sentinel'})
            ins.mark(t)
            t += rng.randint(20 * SEC, 2 * MIN)
            self.close(t, a, tk, 'reinstated')
        else:
            self.s_banned[s] = None
            at = {'tool': 'sentinel'}
            if rng.random() < 0.5:
                at['note'] = rng.choice(['verified with seller', 'documents received', 'per phone call'])
            self.emit(t, a, 'account.reactivate', target={'type': 'seller', 'id': self.sid[s]}, attrs=at)
            ins.mark(t)

    def act_bulk(self, ins, sess, t, home):
        rng = self.rng
        e = sess.emp
        a = e.actor(sess.seg)
        if home:
            self.home_login(ins, sess, t)
        ins.n_acts += 1
        covered = rng.random() < self.cover
        pur = None
        if covered:
            ins.n_covered += 1
            tk = self.cover_ticket(e, t)
            if tk is not None and rng.random() < 0.5:
                pur = {'ticket': tk.id, 'code': tk.code}
            else:
                pur = {'code': 'quality_review', 'reason': rng.choice(['retention analysis', 'duplicate account cleanup',
                                                                        'address quality check'])}
        nc = len(self.cid)
        q = rng.choice(['city:%s' % rng.choice(CITIES), 'email:*@gmail.com', 'orders:>5', 'created:<2024-06-01',
                        'city:%s orders:>2' % rng.choice(CITIES), 'phone:+351*', 'spend:>500'])
        if rng.random() < 0.55:
            k = rng.randint(60, 250)
            res = list(dict.fromkeys(rng.randrange(nc) for _ in range(k)))
            self.search(t, a, q, res, pur, fields=['name', 'email', 'phone'])
            ins.mark(t, res)
            # open a few of them fully
            for c in res[:rng.randint(0, 6)]:
                t += rng.randint(15 * SEC, 90 * SEC)
                self.view(t, a, c, ['name', 'email', 'phone', 'address'], pur)
                ins.mark(t, [c])
        else:
            k = rng.randint(150, 600)
            res = list(dict.fromkeys(rng.randrange(nc) for _ in range(k)))
            self.search(t, a, q, res[:200], pur, fields=['name', 'email'])
            ins.mark(t, res[:200])
            t += rng.randint(MIN, 5 * MIN)
            self.batchn += 1
            self.emit(t, a, 'customer.export', targets=[self.cid[c] for c in res],
                      fields=['name', 'email', 'phone', 'address'] + (['orders'] if rng.random() < 0.5 else []),
                      purpose=pur, attrs={'format': rng.choice(['csv', 'xlsx']), 'tool': 'helm',
                                          'batch': 'bx%d' % self.batchn})
            ins.mark(t, res)

    def act_depart(self, ins, sess, t, home, export=False):
        rng = self.rng
        e = sess.emp
        a = e.actor(sess.seg)
        if home:
            self.home_login(ins, sess, t)
        role = sess.seg[1]
        if role == 'seller_success':
            sellers = e.portfolio[:8] or [1]
        elif role == 'ka_specialist':
            sellers = [self.top]
        else:
            sellers = list(range(1, 12))
        s = rng.choice(sellers)
        pool = [self.o_c[o] for o in self.past_orders(s, t, 800)]
        if not pool:
            return
        ins.n_acts += 1
        covered = rng.random() < self.cover
        pur = None
        if covered:
            ins.n_covered += 1
            tk = self.cover_ticket(e, t)
            pur = {'ticket': tk.id, 'code': tk.code} if tk is not None else \
                {'code': 'seller_request', 'reason': 'account handover'}
        if export:
            k = rng.randint(80, 300)
            res = list(dict.fromkeys(rng.choice(pool) for _ in range(k)))
            self.batchn += 1
            self.emit(t, a, 'customer.export', targets=[self.cid[c] for c in res],
                      fields=['name', 'email', 'phone', 'address', 'orders'], purpose=pur,
                      attrs={'format': 'xlsx', 'tool': 'helm', 'batch': 'bx%d' % self.batchn})
            ins.mark(t, res)
            if s not in ins.sellers and s != self.top:
                pass
            return
        c = rng.choice(pool)
        self.view(t, a, c, ['name', 'email', 'phone', 'address', 'orders'] if not covered else
                  ordered(['name', 'email', 'phone', 'orders']), pur)
        ins.mark(t, [c])

    def act_snoop(self, ins, sess, t, honey):
        rng = self.rng
        e = sess.emp
        a = e.actor(sess.seg)
        ins.n_acts += 1
        covered = rng.random() < self.cover
        pur = None
        if covered:
            tk = self.cover_ticket(e, t)
            if tk is not None:
                ins.n_covered += 1
                pur = {'ticket': tk.id, 'code': tk.code}
        if honey:
            c = rng.choice(self.ht)
        else:
            c = rng.randrange(self.n_norm)
        res = [c] + self.others(rng.randint(0, 2))
        rng.shuffle(res)
        f, l = self.cname(c)
        self.search(t, a, 'name:"%s %s"' % (f, l), res, pur, fields=['name', 'email'],
                    tool='adminctl' if sess.seg[1] == 'sre' else 'helm')
        ins.mark(t, res)
        if (not honey) or rng.random() < 0.75:
            t += rng.randint(15 * SEC, 2 * MIN)
            self.view(t, a, c, ['name', 'phone', 'address', 'orders'], pur,
                      tool='adminctl' if sess.seg[1] == 'sre' else 'helm')
            ins.mark(t, [c])

    def do_mal(self, sess, t, kind, payload):
        ins = sess.emp.insider
        if ins is None:
            return
        if kind in ('harvest', 'broker'):
            self.act_harvest(ins, sess, t, kind, payload)
        elif kind == 'delete':
            self.act_delete(ins, sess, t)
        elif kind == 'reactivate':
            self.act_reactivate(ins, sess, t, payload)
        elif kind == 'bulk':
            self.act_bulk(ins, sess, t, payload)
        elif kind == 'depart':
            self.act_depart(ins, sess, t, payload)
        elif kind == 'depart_export':
            self.act_depart(ins, sess, t, False, export=True)
        elif kind == 'snoop':
            self.act_snoop(ins, sess, t, False)
        elif kind == 'honey':
            self.act_snoop(ins, sess, t, True)

    # ------------------------------------------------------------------ main loop
    def run_day(self, d):
        rng = self.rng
        self.floor = d * DAY
        if d + 1 < self.days:
            self.gen_market(d + 1)
        sess_today = self.sessions_by_day[d]
        for ms, e in self.leave_events.get(d, []):
            self.emit(ms, {'type': 'system', 'id': 'hris'}, 'employee.leave',
                      target={'type': 'employee', 'id': e.id}, attrs={'reason': e.leave_reason}, src='hr')
        self.on_shift = {}
        self.on_shift_emp = {}
        for s in sess_today + (self.sessions_by_day[d - 1] if d > 0 else []):
            self.on_shift.setdefault(s.seg[1], []).append(s)
            self.on_shift_emp.setdefault(s.emp.i, []).append(s)
        slots = []
        for s in sess_today:
            e = s.emp
            role = s.seg[1]
            # HR events
            if e.hire_day is not None and e.hr_done == 0:
                e.hr_done = 1
                self.emit(max(self.floor, s.start - rng.randint(20 * MIN, 60 * MIN)), {'type': 'system', 'id': 'hris'},
                          'employee.hire', target={'type': 'employee', 'id': e.id},
                          attrs={'role': role, 'team': s.seg[2], 'site': s.seg[3],
                                 'contract': 'part_time' if e.part else 'full_time'}, src='hr')
            for gi in range(1, len(e.segs)):
                g = e.segs[gi]
                if e.hire_day is None and g[0] <= s.L and e.hr_done < gi:
                    e.hr_done = gi
                    self.emit(max(self.floor, s.start - rng.randint(10 * MIN, 40 * MIN)), {'type': 'system', 'id': 'hris'},
                              'employee.change', target={'type': 'employee', 'id': e.id},
                              attrs={'role': g[1], 'team': g[2], 'site': g[3]}, src='hr')
            self.login(s, s.start)
            if s.end - s.start > 6 * HOUR and rng.random() < 0.5:
                self.login(s, s.start + int((s.end - s.start) * rng.uniform(0.45, 0.6)))
            n = 0
            if role in self.CAP:
                n = poisson(rng, self.slot_count(s) * (1.0 if role not in ('mod_l1', 'mod_l2') else 6.0))
                kind = 'mod' if role in ('mod_l1', 'mod_l2') else role
            elif role == 'support_lead':
                n = poisson(rng, 90 if s.seg[2] == 'care-qa' else 12)
                kind = 'other'
            elif role == 'sre':
                n = 1 if rng.random() < 0.04 else 0
                kind = 'other'
            elif role == 'bizops_analyst':
                n = 1 if rng.random() < 0.08 else 0
                kind = 'other'
            for _ in range(n):
                slots.append((rng.randint(s.start + 5 * MIN, max(s.start + 6 * MIN, s.end - 10 * MIN)), 0, s, kind, None))
            for (t, mk, payload) in s.mal:
                slots.append((t, 1, s, 'mal', (mk, payload)))
        slots.sort(key=lambda x: (x[0], x[1]))
        for t, _, s, kind, payload in slots:
            if kind == 'mal':
                self.do_mal(s, t, payload[0], payload[1])
            elif kind in ('support_rep', 'support_senior', 'ka_specialist', 'seller_success'):
                self.slot_support(s, t)
            elif kind == 'mod':
                self.slot_mod(s, t)
            elif kind == 'fraud_ops':
                self.slot_fraud(s, t)
            elif kind == 'tns_analyst':
                self.slot_tns(s, t)
            elif kind == 'privacy_legal':
                self.slot_legal(s, t)
            elif kind == 'other':
                self.slot_other(s, t)
        lim = (d + 1) * DAY
        while self.timers and self.timers[0][0] < lim:
            ms, _, fn, args = heapq.heappop(self.timers)
            fn(max(ms, self.floor), *args)
        self.flush(d)

    def run(self):
        a = self.a
        os.makedirs(a.out, exist_ok=True)
        self.build_world()
        self.build_staff()
        self.build_sessions()
        self.plan_lookalikes()
        self.plan_insiders()
        self.prehistory()
        self.out = open(os.path.join(a.out, 'events.jsonl'), 'w')
        self.leave_events = {}
        for e in self.emps:
            if e.leave_day is None:
                continue
            off = SITES[e.seg_at(e.leave_day)[3]][0]
            ms = int((e.leave_day * 24 + 17.5 - off) * HOUR) + self.rng.randrange(HOUR)
            ends = [s.end for s in e.sessions if s.L <= e.leave_day]
            if ends:
                ms = max(ms, max(ends) + self.rng.randint(10 * MIN, 90 * MIN))
            ms = max(ms, 1)
            self.leave_events.setdefault(ms // DAY, []).append((ms, e))
        # honeytokens: most at the start, a few later
        self.floor = 0
        for k, c in enumerate(self.ht):
            ms = k * 7 + 1 if k < len(self.ht) * 3 // 4 else int(self.days * 0.35) * DAY + k * 1000
            self.emit(ms, {'type': 'system', 'id': 'custos'}, 'honeytoken.plant',
                      target={'type': 'customer', 'id': self.cid[c]}, attrs={'profile': 'synthetic'}, src='ctl')
        self.gen_market(0)
        for d in range(self.days):
            self.run_day(d)
            if a.verbose:
                print('day %d events %d' % (d, self.n_events), file=sys.stderr)
        for d in sorted(self.buckets):
            if d < self.days:
                self.flush(d)
        self.out.close()
        self.write_truth()

    def write_truth(self):
        a = self.a
        ins_out = []
        stats = []
        for ins in self.insiders:
            st = {'employee': ins.emp.id, 'scenario': ins.scenario, 'group': ins.group,
                  'role': ins.emp.segs[0][1], 'team': ins.emp.segs[0][2], 'site': ins.emp.segs[0][3],
                  'malicious_events': ins.n_events, 'acts': ins.n_acts, 'covered_acts': ins.n_covered,
                  'customers': len(ins.customers)}
            stats.append(st)
            if ins.first is None:
                continue
            ins_out.append({'employee': ins.emp.id, 'scenario': ins.scenario,
                            'start': self.ts(ins.first), 'end': self.ts(ins.last),
                            'sellers': [self.sid[s] for s in ins.sellers],
                            'customers': sorted(self.cid[c] for c in ins.customers)})
        truth = {'seed': a.seed, 'start': self.ts(0), 'end': self.ts(self.end_ms),
                 'employees': len(self.emps), 'insiders': ins_out, 'honeytokens': [self.cid[c] for c in self.ht]}
        with open(os.path.join(a.out, 'truth.json'), 'w') as f:
            json.dump(truth, f, indent=1)
        la = {
            'key_account_team': {'seller': self.sid[self.top], 'team': 'ka-%s' % self.sid[self.top],
                                 'members': [e.id for e in self.emps if any(g[2].startswith('ka-') for g in e.segs)]},
            'spam_wave': {'seller': self.sid[self.spam_victim], 'case': getattr(self, 'spam_case', None)},
            'legal_requests': [{'day': d, 'seller': self.sid[s]} for d, s in self.legal_days],
            'qa_audit_lead': {'employee': self.qa_lead.id, 'days': list(self.qa_window)},
            'honest_leavers': [{'employee': e.id, 'role': e.segs[0][1], 'day': e.leave_day, 'reason': e.leave_reason}
                               for e in self.honest_leavers],
            'movers': [{'employee': e.id, 'from': e.segs[0][1:], 'to': e.segs[1][1:], 'day': e.segs[1][0]}
                       for e in self.movers],
            'hires': [{'employee': e.id, 'role': e.segs[0][1], 'day': e.hire_day} for e in self.hires],
        }
        backlog = {k: len(v) for k, v in self.desk.items()}
        backlog['seller'] = sum(len(v) for v in self.seller_q.values())
        backlog['flagged_reviews'] = len(self.flag_heap)
        roster = {e.id: {'roles': sorted(set(g[1] for g in e.segs)), 'teams': sorted(set(g[2] for g in e.segs)),
                         'site': e.segs[0][3], 'shift': e.segs[0][4], 'part': e.part} for e in self.emps}
        with open(os.path.join(a.out, 'gen_stats.json'), 'w') as f:
            json.dump({'events': self.n_events, 'actions': self.counts, 'insiders': stats, 'lookalikes': la,
                       'roster': roster, 'backlog_at_end': backlog, 'args': vars(a)}, f, indent=1, default=str)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--employees', type=int, default=1000)
    p.add_argument('--customers', type=int, default=None)
    p.add_argument('--sellers', type=int, default=None)
    p.add_argument('--days', type=int, default=90)
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--out', required=True)
    p.add_argument('--intensity', type=float, default=1.0)
    p.add_argument('--cover', type=float, default=0.3)
    p.add_argument('--insiders', type=int, default=1)
    p.add_argument('--verbose', action='store_true')
    a = p.parse_args()
    if a.customers is None:
        a.customers = a.employees * 60
    if a.sellers is None:
        a.sellers = max(50, int(a.employees * 1.5))
    if not (0.0 <= a.cover <= 1.0):
        p.error('--cover must be within 0..1')
    if a.days < 7:
        p.error('--days must be at least 7')
    Gen(a).run()


if __name__ == '__main__':
    main()
