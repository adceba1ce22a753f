#!/usr/bin/env python3
"""Validate a market7 output directory against the Custos event contract.

usage: python3 tools/market7/check.py DIR

Checks every line of DIR/events.jsonl against EVENTS.md (keys, types, enums,
per-action target/attrs, ledger entry size), time order, unique ids, causal
order (hire before work, nothing after leave, tickets opened before being
assigned/closed/cited, orders and reviews created before being viewed or
moderated, bans before reactivations, honeytokens planted before touched),
and that DIR/truth.json (and DIR/stats.json when present) agree with the
events.  Prints a summary; exits 1 on any error.
"""

import json
import os
import re
import sys
from datetime import datetime, timezone

TOP = {"id", "time", "actor", "action", "target", "targets", "fields", "purpose", "outcome", "attrs"}
ACTOR_TYPES = {"employee", "customer", "seller", "system"}
ACTOR_KEYS = {"type", "id", "role", "team", "site"}
TARGET_TYPES = {"customer", "seller", "review", "order", "ticket", "employee", "product"}
FIELDS = {"name", "email", "phone", "address", "payment", "orders", "reviews", "account"}
CODES = {"customer_request", "seller_request", "fraud_investigation", "legal", "quality_review", "break_glass"}
PURPOSE_KEYS = {"ticket", "code", "reason", "approval"}
OUTCOMES = {"allowed", "denied", "failed"}
REVIEW_DEL_REASONS = {"spam", "abuse", "off_topic", "seller_request", "other"}
BAN_REASONS = {"fraud", "review_manipulation", "counterfeit", "policy", "other"}
TICKET_KINDS = {"order_issue", "account", "review_dispute", "appeal", "fraud_report", "other"}
LEAVE_REASONS = {"resigned", "terminated", "transferred"}

EMPLOYEE_ACTIONS = {
    "customer.view": {"customer"}, "customer.search": None, "customer.export": None,
    "order.view": {"order"}, "review.delete": {"review"}, "review.restore": {"review"},
    "account.suspend": {"seller", "customer"}, "account.reactivate": {"seller", "customer"},
    "ticket.assign": {"ticket"}, "auth.login": None,
}
FACT_ACTIONS = {
    "review.create": ({"customer"}, {"review"}), "order.create": ({"customer"}, {"order"}),
    "ticket.open": ({"customer", "seller", "system"}, {"ticket"}),
    "ticket.close": ({"system", "employee"}, {"ticket"}),
    "account.ban": ({"system"}, {"seller", "customer"}),
    "employee.hire": ({"system"}, {"employee"}), "employee.change": ({"system"}, {"employee"}),
    "employee.leave": ({"system"}, {"employee"}),
    "honeytoken.plant": ({"system"}, {"customer"}),
}
OTHER_ACTIONS = {"guard.decide", "custos.access"}
MALICIOUS_ACTIONS = {"customer.view", "customer.search", "customer.export", "order.view", "review.delete",
                     "account.reactivate"}

TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$")


def parse_time(s):
    if not isinstance(s, str) or not TIME_RE.match(s):
        return None
    txt = s.replace("Z", "+00:00")
    m = re.match(r"^(.*T\d{2}:\d{2}:\d{2})(\.\d+)?(.*)$", txt)
    frac = (m.group(2) or ".0")[1:]
    frac = (frac + "000000")[:6]
    try:
        dt = datetime.fromisoformat(m.group(1) + "." + frac + m.group(3))
    except ValueError:
        return None
    return dt.astimezone(timezone.utc)


def canon_len(ev):
    return len(json.dumps(ev, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


class Checker:
    def __init__(self):
        self.errors = []
        self.nerr = 0

    def err(self, ln, msg):
        self.nerr += 1
        if len(self.errors) < 60:
            self.errors.append("line %s: %s" % (ln, msg))


def is_scalar(v):
    return isinstance(v, (str, bool, int, float)) and v is not None


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    d = sys.argv[1]
    C = Checker()
    ids = set()
    prev_time = None
    counts = {}
    hired = {}            # employee -> hire time
    left = {}             # employee -> leave time
    emp_seen = set()
    tickets = {}          # ticket id -> open time
    closed = set()
    orders = {}           # order id -> (customer, seller)
    reviews = {}          # review id -> live bool
    inactive = {}         # (type,id) -> bool  (True when banned/suspended)
    honey = {}            # customer -> plant time
    sellers_seen = set()
    customers_seen = set()
    events_by_id = {}
    want_ids = set()
    first_time = last_time = None
    stats = None
    sp = os.path.join(d, "stats.json")
    if os.path.exists(sp):
        with open(sp) as f:
            stats = json.load(f)
        for s in stats.get("insiders", []):
            for eid in s.get("event_ids", []):
                want_ids.add(eid)

    path = os.path.join(d, "events.jsonl")
    n = 0
    with open(path, encoding="utf-8") as f:
        for ln, line in enumerate(f, 1):
            if not line.strip():
                continue
            n += 1
            try:
                ev = json.loads(line)
            except ValueError as ex:
                C.err(ln, "invalid JSON: %s" % ex)
                continue
            if not isinstance(ev, dict):
                C.err(ln, "not an object")
                continue
            extra = set(ev) - TOP
            if extra:
                C.err(ln, "unknown top-level keys %s" % sorted(extra))
            for k in ("id", "time", "actor", "action"):
                if k not in ev:
                    C.err(ln, "missing %s" % k)
            eid = ev.get("id")
            if not isinstance(eid, str) or not (1 <= len(eid.encode("utf-8")) <= 128):
                C.err(ln, "bad id")
            elif eid in ids:
                C.err(ln, "duplicate id %s" % eid)
            else:
                ids.add(eid)
            tm = parse_time(ev.get("time"))
            if tm is None:
                C.err(ln, "bad time %r" % ev.get("time"))
                continue
            if prev_time is not None and tm < prev_time:
                C.err(ln, "time goes backwards")
            prev_time = tm
            if first_time is None:
                first_time = tm
            last_time = tm
            actor = ev.get("actor")
            if not isinstance(actor, dict) or actor.get("type") not in ACTOR_TYPES or \
                    not isinstance(actor.get("id"), str) or not actor.get("id"):
                C.err(ln, "bad actor")
                continue
            if set(actor) - ACTOR_KEYS:
                C.err(ln, "unknown actor keys")
            for k in ("role", "team", "site"):
                if k in actor and not isinstance(actor[k], str):
                    C.err(ln, "actor.%s not a string" % k)
            action = ev.get("action")
            if not isinstance(action, str):
                C.err(ln, "bad action")
                continue
            counts[action] = counts.get(action, 0) + 1
            target = ev.get("target")
            if target is not None:
                if not isinstance(target, dict) or set(target) != {"type", "id"} or \
                        target.get("type") not in TARGET_TYPES or not isinstance(target.get("id"), str) or not target["id"]:
                    C.err(ln, "bad target")
                    target = None
            targets = ev.get("targets")
            if targets is not None and (not isinstance(targets, list) or not all(isinstance(x, str) for x in targets)):
                C.err(ln, "bad targets")
                targets = None
            fields = ev.get("fields")
            if fields is not None and (not isinstance(fields, list) or not all(x in FIELDS for x in fields)):
                C.err(ln, "bad fields %r" % fields)
            purpose = ev.get("purpose")
            if purpose is not None:
                if not isinstance(purpose, dict) or set(purpose) - PURPOSE_KEYS or \
                        not all(isinstance(v, str) for v in purpose.values()):
                    C.err(ln, "bad purpose")
                    purpose = None
                elif "code" in purpose and purpose["code"] not in CODES:
                    C.err(ln, "bad purpose code %r" % purpose["code"])
            if "outcome" in ev and ev["outcome"] not in OUTCOMES:
                C.err(ln, "bad outcome")
            attrs = ev.get("attrs", {})
            if not isinstance(attrs, dict) or not all(is_scalar(v) for v in attrs.values()):
                C.err(ln, "bad attrs")
                attrs = {}
            if canon_len(ev) > 65535:
                C.err(ln, "ledger entry larger than 65535 bytes")
            atype = actor["type"]
            aid = actor["id"]
            t = tm
            ttype = target["type"] if target else None
            tid = target["id"] if target else None

            # ---- taxonomy / actor types / targets
            if action in EMPLOYEE_ACTIONS or (action.startswith("x.") and atype == "employee"):
                if action in EMPLOYEE_ACTIONS and atype != "employee":
                    C.err(ln, "%s needs an employee actor" % action)
                want = EMPLOYEE_ACTIONS.get(action)
                if want is not None and ttype not in want:
                    C.err(ln, "%s needs target of type %s" % (action, sorted(want)))
                if atype == "employee":
                    emp_seen.add(aid)
                    if aid not in hired or hired[aid] > t:
                        C.err(ln, "employee %s acts before being hired" % aid)
                    if aid in left and left[aid] <= t:
                        C.err(ln, "employee %s acts after leaving" % aid)
            elif action in FACT_ACTIONS:
                at, tt = FACT_ACTIONS[action]
                if atype not in at:
                    C.err(ln, "%s: actor type %s not allowed" % (action, atype))
                if ttype not in tt:
                    C.err(ln, "%s: target type %s not allowed" % (action, ttype))
                if atype == "employee":
                    emp_seen.add(aid)
                    if aid not in hired or (aid in left and left[aid] <= t):
                        C.err(ln, "employee %s not employed" % aid)
            elif action in OTHER_ACTIONS or action.startswith("x."):
                pass
            else:
                C.err(ln, "unknown action %r" % action)

            # ---- per-action attrs and causal state
            if purpose and "ticket" in purpose and purpose["ticket"] not in tickets:
                C.err(ln, "purpose cites ticket %s never opened before" % purpose["ticket"])
            if action == "customer.view":
                customers_seen.add(tid)
            if action in ("customer.search", "customer.export"):
                if targets is None:
                    C.err(ln, "%s without targets" % action)
                if action == "customer.search" and not isinstance(attrs.get("query"), str):
                    C.err(ln, "customer.search without query")
                if action == "customer.export" and not isinstance(attrs.get("format"), str):
                    C.err(ln, "customer.export without format")
            if atype == "employee" and action.startswith("customer.") or action == "order.view":
                touched = []
                if tid and ttype == "customer":
                    touched.append(tid)
                if targets:
                    touched += targets
                if action == "order.view":
                    touched.append(attrs.get("customer"))
                for c in touched:
                    if c in honey and honey[c] > t:
                        C.err(ln, "honeytoken touched before being planted")
            if action == "order.create":
                if not isinstance(attrs.get("seller"), str) or not isinstance(attrs.get("product"), str):
                    C.err(ln, "order.create needs seller and product")
                if tid in orders:
                    C.err(ln, "order created twice")
                orders[tid] = (aid, attrs.get("seller"))
                sellers_seen.add(attrs.get("seller"))
                customers_seen.add(aid)
            elif action == "order.view":
                if tid not in orders:
                    C.err(ln, "order.view of unknown order %s" % tid)
                elif orders[tid] != (attrs.get("customer"), attrs.get("seller")):
                    C.err(ln, "order.view customer/seller do not match the order")
            elif action == "review.create":
                r = attrs.get("rating")
                if not isinstance(r, int) or isinstance(r, bool) or not 1 <= r <= 5:
                    C.err(ln, "review.create bad rating")
                if not isinstance(attrs.get("seller"), str) or not isinstance(attrs.get("product"), str):
                    C.err(ln, "review.create needs seller and product")
                o = attrs.get("order")
                if o is not None and (o not in orders or orders[o][0] != aid):
                    C.err(ln, "review of an order not created earlier by the reviewer")
                if tid in reviews:
                    C.err(ln, "review created twice")
                reviews[tid] = True
            elif action == "review.delete":
                if attrs.get("reason") not in REVIEW_DEL_REASONS:
                    C.err(ln, "review.delete bad reason")
                if tid not in reviews:
                    C.err(ln, "review.delete of unknown review")
                elif not reviews[tid]:
                    C.err(ln, "review.delete of a deleted review")
                else:
                    reviews[tid] = False
            elif action == "review.restore":
                if tid not in reviews or reviews[tid]:
                    C.err(ln, "review.restore of a review that is not deleted")
                else:
                    reviews[tid] = True
            elif action in ("account.ban", "account.suspend"):
                if attrs.get("reason") not in BAN_REASONS:
                    C.err(ln, "%s bad reason" % action)
                key = (ttype, tid)
                if inactive.get(key):
                    C.err(ln, "%s of an account already inactive" % action)
                inactive[key] = True
                if ttype == "seller":
                    sellers_seen.add(tid)
            elif action == "account.reactivate":
                key = (ttype, tid)
                if not inactive.get(key):
                    C.err(ln, "account.reactivate of an account that is not banned/suspended")
                inactive[key] = False
                ap = attrs.get("appeal")
                if ap is not None and ap not in tickets:
                    C.err(ln, "appeal ticket %s not opened before" % ap)
            elif action == "ticket.open":
                if attrs.get("kind") not in TICKET_KINDS:
                    C.err(ln, "ticket.open bad kind")
                if tid in tickets:
                    C.err(ln, "ticket opened twice")
                tickets[tid] = t
                o = attrs.get("order")
                if o is not None and o not in orders:
                    C.err(ln, "ticket about an order not created before")
                if isinstance(attrs.get("seller"), str):
                    sellers_seen.add(attrs["seller"])
            elif action == "ticket.assign":
                if tid not in tickets:
                    C.err(ln, "ticket.assign of unopened ticket")
            elif action == "ticket.close":
                if tid not in tickets:
                    C.err(ln, "ticket.close of unopened ticket")
                if not isinstance(attrs.get("resolution"), str):
                    C.err(ln, "ticket.close without resolution")
                closed.add(tid)
            elif action == "employee.hire":
                if tid in hired:
                    C.err(ln, "employee hired twice")
                hired[tid] = t
                emp_seen.add(tid)
                for k in ("role", "team", "site"):
                    if not isinstance(attrs.get(k), str):
                        C.err(ln, "employee.hire needs %s" % k)
            elif action == "employee.change":
                if tid not in hired:
                    C.err(ln, "employee.change before hire")
                for k in ("role", "team", "site"):
                    if not isinstance(attrs.get(k), str):
                        C.err(ln, "employee.change needs %s" % k)
            elif action == "employee.leave":
                if tid not in hired or tid in left:
                    C.err(ln, "employee.leave without hire or twice")
                if attrs.get("reason") not in LEAVE_REASONS:
                    C.err(ln, "employee.leave bad reason")
                left[tid] = t
            elif action == "honeytoken.plant":
                honey[tid] = t
            elif action == "auth.login":
                if not isinstance(attrs.get("ip"), str) or not isinstance(attrs.get("device"), str):
                    C.err(ln, "auth.login needs ip and device")
            if eid in want_ids:
                disc = set()
                if ttype == "customer" and action.startswith("customer."):
                    disc.add(tid)
                if targets:
                    disc.update(targets)
                if action == "order.view":
                    disc.add(attrs.get("customer"))
                events_by_id[eid] = (aid, action, ev["time"], t, disc)

    # ---- truth
    tp = os.path.join(d, "truth.json")
    with open(tp) as f:
        truth = json.load(f)
    if set(truth) != {"seed", "start", "end", "employees", "insiders", "honeytokens"}:
        C.err("truth", "keys must be seed,start,end,employees,insiders,honeytokens; got %s" % sorted(truth))
    ts, te = parse_time(truth.get("start")), parse_time(truth.get("end"))
    if ts is None or te is None or ts >= te:
        C.err("truth", "bad start/end")
    elif first_time is not None and (first_time < ts or last_time >= te):
        C.err("truth", "events outside [start, end)")
    if truth.get("employees") != len(emp_seen):
        C.err("truth", "employees=%s but %d employees appear" % (truth.get("employees"), len(emp_seen)))
    if sorted(truth.get("honeytokens", [])) != sorted(honey):
        C.err("truth", "honeytokens differ from honeytoken.plant events")
    seen_ins = set()
    stats_by_emp = {s["employee"]: s for s in (stats or {}).get("insiders", [])}
    for ins in truth.get("insiders", []):
        e = ins.get("employee")
        if e in seen_ins:
            C.err("truth", "insider %s listed twice" % e)
        seen_ins.add(e)
        if e not in emp_seen:
            C.err("truth", "insider %s never appears" % e)
        for k in ("scenario", "start", "end", "sellers", "customers"):
            if k not in ins:
                C.err("truth", "insider %s misses %s" % (e, k))
        a, b = parse_time(ins.get("start")), parse_time(ins.get("end"))
        if a is None or b is None or a > b or (ts and a < ts) or (te and b >= te):
            C.err("truth", "insider %s bad start/end" % e)
        for s in ins.get("sellers", []):
            if s not in sellers_seen:
                C.err("truth", "insider %s beneficiary %s never appears in events" % (e, s))
        st = stats_by_emp.get(e)
        if stats is not None:
            if st is None:
                C.err("truth", "insider %s not in stats.json" % e)
                continue
            evs = [events_by_id.get(x) for x in st.get("event_ids", [])]
            if not evs or any(x is None for x in evs):
                C.err("truth", "insider %s: malicious event ids missing from events" % e)
                continue
            disc = set()
            for (aid, action, traw, t, dset) in evs:
                if aid != e:
                    C.err("truth", "insider %s: malicious event by another actor" % e)
                if action not in MALICIOUS_ACTIONS:
                    C.err("truth", "insider %s: malicious event has action %s" % (e, action))
                disc |= dset
            tmin = min(evs, key=lambda x: x[3])
            tmax = max(evs, key=lambda x: x[3])
            if parse_time(ins.get("start")) != tmin[3] or parse_time(ins.get("end")) != tmax[3]:
                C.err("truth", "insider %s: start/end differ from first/last malicious event" % e)
            if set(ins.get("customers", [])) != disc:
                C.err("truth", "insider %s: customers differ from customers disclosed (%d vs %d)" %
                      (e, len(ins.get("customers", [])), len(disc)))
            if sorted(ins.get("sellers", [])) != sorted(st.get("beneficiary_sellers", [])):
                C.err("truth", "insider %s: sellers differ from stats beneficiaries" % e)
    if stats is not None:
        for s in stats.get("insiders", []):
            if s.get("malicious_events", 0) > 0 and s["employee"] not in seen_ins:
                C.err("truth", "stats insider %s acted but is missing from truth" % s["employee"])
        if stats.get("events") != n:
            C.err("stats", "stats.events=%s but file has %d" % (stats.get("events"), n))

    print(json.dumps({"events": n, "errors": C.nerr, "employees": len(emp_seen), "tickets": len(tickets),
                      "orders": len(orders), "reviews": len(reviews), "insiders": len(truth.get("insiders", [])),
                      "honeytokens": len(honey)}))
    for m in C.errors:
        print("ERROR " + m)
    sys.exit(1 if C.nerr else 0)


if __name__ == "__main__":
    main()
