#!/usr/bin/env python3
"""Validate a market8 output directory against the Custos event contract (v1).

    python3 tools/market8/check.py DIR

Checks every line of DIR/events.jsonl (shape, enums, types, size bound, time
order) plus causal order (hires before acts and no acts after a leave,
tickets opened before they are assigned/cited/closed, orders created before
viewed, reviews created before deleted/restored, bans or suspensions before
reactivations, appeals that exist), then DIR/truth.json for consistency with
the events.  Exit status 0 when clean, 1 otherwise.
"""
import json
import re
import sys

TOP = {"id", "time", "actor", "action", "target", "targets", "fields", "purpose", "outcome", "attrs"}
ACTOR_T = {"employee", "customer", "seller", "system"}
TARGET_T = {"customer", "seller", "review", "order", "ticket", "employee", "product"}
FIELDS = {"name", "email", "phone", "address", "payment", "orders", "reviews", "account"}
CODES = {"customer_request", "seller_request", "fraud_investigation", "legal", "quality_review", "break_glass"}
OUTCOMES = {"allowed", "denied", "failed"}
DEL_REASONS = {"spam", "abuse", "off_topic", "seller_request", "other"}
ACC_REASONS = {"fraud", "review_manipulation", "counterfeit", "policy", "other"}
KINDS = {"order_issue", "account", "review_dispute", "appeal", "fraud_report", "other"}
LEAVE = {"resigned", "terminated", "transferred"}

EMP_ACTIONS = {
    "customer.view": {"customer"}, "customer.search": None, "customer.export": None,
    "order.view": {"order"}, "review.delete": {"review"}, "review.restore": {"review"},
    "account.suspend": {"seller", "customer"}, "account.reactivate": {"seller", "customer"},
    "ticket.assign": {"ticket"}, "auth.login": None,
}
FACTS = {
    "review.create": ({"customer"}, {"review"}), "order.create": ({"customer"}, {"order"}),
    "ticket.open": ({"customer", "seller", "system"}, {"ticket"}),
    "ticket.close": ({"system", "employee"}, {"ticket"}),
    "account.ban": ({"system"}, {"seller", "customer"}),
    "employee.hire": ({"system"}, {"employee"}), "employee.change": ({"system"}, {"employee"}),
    "employee.leave": ({"system"}, {"employee"}),
    "honeytoken.plant": ({"system"}, {"customer"}),
    "guard.decide": (ACTOR_T, None), "custos.access": (ACTOR_T, None),
}
TIME_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$")


def parse_time(s):
    import datetime
    m = TIME_RE.match(s)
    if not m:
        return None
    dt = datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
    return int(dt.timestamp() * 1000 + 0.5)


class Checker:
    def __init__(self):
        self.errors = []
        self.nerr = 0

    def err(self, ln, msg):
        self.nerr += 1
        if len(self.errors) < 60:
            self.errors.append("line %s: %s" % (ln, msg))


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    d = sys.argv[1]
    C = Checker()
    truth = json.load(open(d + "/truth.json"))
    ins_emps = {i["employee"]: i for i in truth.get("insiders", [])}
    disclosed = {k: {} for k in ins_emps}      # emp -> customer -> [times]
    emp_times = {k: [] for k in ins_emps}
    ids = set()
    hired, left = {}, {}
    tickets = {}          # id -> open time
    closed = {}
    orders = {}           # id -> (t, customer, seller)
    reviews = {}          # id -> t
    deleted = {}
    banned = {}           # (type,id) -> t of ban/suspend, None when reactivated
    sellers_seen = set()
    planted = set()
    actions = {}
    prev = None
    n = 0
    first_t = last_t = None
    with open(d + "/events.jsonl", encoding="utf-8") as f:
        for ln, line in enumerate(f, 1):
            if not line.strip():
                continue
            n += 1
            try:
                ev = json.loads(line)
            except Exception as ex:
                C.err(ln, "bad json: %s" % ex)
                continue
            if not isinstance(ev, dict):
                C.err(ln, "not an object")
                continue
            bad = set(ev) - TOP
            if bad:
                C.err(ln, "unknown keys %s" % sorted(bad))
            for k in ("id", "time", "actor", "action"):
                if k not in ev:
                    C.err(ln, "missing %s" % k)
            eid = ev.get("id")
            if not isinstance(eid, str) or not (1 <= len(eid.encode()) <= 128):
                C.err(ln, "bad id")
            elif eid in ids:
                C.err(ln, "duplicate id %s" % eid)
            else:
                ids.add(eid)
            t = parse_time(ev.get("time", "")) if isinstance(ev.get("time"), str) else None
            if t is None:
                C.err(ln, "bad time %r" % ev.get("time"))
                continue
            if prev is not None and t < prev:
                C.err(ln, "time goes backwards")
            prev = t
            first_t = t if first_t is None else first_t
            last_t = t
            a = ev.get("actor")
            if not isinstance(a, dict) or a.get("type") not in ACTOR_T or not isinstance(a.get("id"), str) or not a.get("id"):
                C.err(ln, "bad actor %r" % a)
                continue
            if set(a) - {"type", "id", "role", "team", "site"}:
                C.err(ln, "unknown actor keys")
            for k in ("role", "team", "site"):
                if k in a and not isinstance(a[k], str):
                    C.err(ln, "actor.%s not a string" % k)
            act = ev.get("action")
            if not isinstance(act, str):
                C.err(ln, "bad action")
                continue
            actions[act] = actions.get(act, 0) + 1
            tg = ev.get("target")
            if tg is not None:
                if not isinstance(tg, dict) or set(tg) != {"type", "id"} or tg.get("type") not in TARGET_T or not isinstance(tg.get("id"), str) or not tg["id"]:
                    C.err(ln, "bad target %r" % tg)
                    tg = None
            tt = tg["type"] if tg else None
            tid = tg["id"] if tg else None
            if "targets" in ev:
                if not isinstance(ev["targets"], list) or not all(isinstance(x, str) for x in ev["targets"]):
                    C.err(ln, "bad targets")
            if "fields" in ev:
                if not isinstance(ev["fields"], list) or not all(x in FIELDS for x in ev["fields"]):
                    C.err(ln, "bad fields %r" % ev["fields"])
            pur = ev.get("purpose")
            if pur is not None:
                if not isinstance(pur, dict) or set(pur) - {"ticket", "code", "reason", "approval"} or not all(isinstance(v, str) for v in pur.values()):
                    C.err(ln, "bad purpose %r" % pur)
                    pur = None
                elif "code" in pur and pur["code"] not in CODES:
                    C.err(ln, "bad purpose code %r" % pur["code"])
            if "outcome" in ev and ev["outcome"] not in OUTCOMES:
                C.err(ln, "bad outcome")
            at = ev.get("attrs", {})
            if not isinstance(at, dict):
                C.err(ln, "attrs not an object")
                at = {}
            for k, v in at.items():
                if not isinstance(v, (str, int, float, bool)) or v is None:
                    C.err(ln, "attrs.%s has bad type" % k)
            if len(json.dumps(ev, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()) > 65535:
                C.err(ln, "entry larger than 65535 bytes")
            atype = a["type"]
            aid = a["id"]
            # ---- action taxonomy
            if act in EMP_ACTIONS:
                if atype != "employee":
                    C.err(ln, "%s needs an employee actor" % act)
                want = EMP_ACTIONS[act]
                if want is not None and tt not in want:
                    C.err(ln, "%s needs target %s" % (act, want))
            elif act in FACTS:
                acts, want = FACTS[act]
                if atype not in acts:
                    C.err(ln, "%s by %s" % (act, atype))
                if want is not None and tt not in want:
                    C.err(ln, "%s needs target %s" % (act, want))
            elif not act.startswith("x."):
                C.err(ln, "unknown action %s" % act)
            # ---- action attrs
            if act == "review.delete" and at.get("reason") not in DEL_REASONS:
                C.err(ln, "review.delete reason")
            if act in ("account.suspend", "account.ban") and at.get("reason") not in ACC_REASONS:
                C.err(ln, "%s reason" % act)
            if act == "ticket.open" and at.get("kind") not in KINDS:
                C.err(ln, "ticket kind")
            if act == "review.create":
                r = at.get("rating")
                if not isinstance(r, int) or not 1 <= r <= 5 or "seller" not in at or "product" not in at:
                    C.err(ln, "review.create attrs")
            if act == "order.create" and ("seller" not in at or "product" not in at):
                C.err(ln, "order.create attrs")
            if act in ("employee.hire", "employee.change") and not all(k in at for k in ("role", "team", "site")):
                C.err(ln, "%s attrs" % act)
            if act == "employee.leave" and at.get("reason") not in LEAVE:
                C.err(ln, "leave reason")
            if act == "customer.search" and "query" not in at:
                C.err(ln, "search without query")
            if act == "customer.export" and "format" not in at:
                C.err(ln, "export without format")
            if act == "auth.login" and ("ip" not in at or "device" not in at):
                C.err(ln, "login attrs")
            # ---- causal order
            if atype == "employee":
                if aid not in hired:
                    C.err(ln, "employee %s acts before hire" % aid)
                if aid in left:
                    C.err(ln, "employee %s acts after leave" % aid)
                if aid in ins_emps:
                    emp_times[aid].append(t)
            if act == "employee.hire":
                if tid in hired:
                    C.err(ln, "double hire %s" % tid)
                hired[tid] = t
            elif act == "employee.change":
                if tid not in hired or tid in left:
                    C.err(ln, "change of unknown/left employee")
            elif act == "employee.leave":
                if tid not in hired:
                    C.err(ln, "leave before hire")
                left[tid] = t
            elif act == "ticket.open":
                if tid in tickets:
                    C.err(ln, "ticket %s opened twice" % tid)
                tickets[tid] = t
                if "seller" in at:
                    sellers_seen.add(at["seller"])
            elif act in ("ticket.assign", "ticket.close"):
                if tid not in tickets:
                    C.err(ln, "%s of unopened ticket %s" % (act, tid))
                if act == "ticket.close":
                    if tid in closed:
                        C.err(ln, "ticket closed twice")
                    closed[tid] = t
            elif act == "order.create":
                if tid in orders:
                    C.err(ln, "duplicate order %s" % tid)
                orders[tid] = (t, aid, at.get("seller"))
                sellers_seen.add(at.get("seller"))
            elif act == "review.create":
                if tid in reviews:
                    C.err(ln, "duplicate review")
                reviews[tid] = t
                sellers_seen.add(at.get("seller"))
                if "order" in at and at["order"] not in orders:
                    C.err(ln, "review of unknown order")
            elif act == "order.view":
                o = orders.get(tid)
                if o is None:
                    C.err(ln, "order.view before order.create %s" % tid)
                elif at.get("customer") != o[1] or at.get("seller") != o[2]:
                    C.err(ln, "order.view attrs disagree with order")
            elif act == "review.delete":
                if tid not in reviews:
                    C.err(ln, "delete of unknown review %s" % tid)
                elif tid in deleted:
                    C.err(ln, "review deleted twice %s" % tid)
                deleted[tid] = t
            elif act == "review.restore":
                if tid not in deleted:
                    C.err(ln, "restore of a review not deleted")
                else:
                    del deleted[tid]
            elif act in ("account.ban", "account.suspend"):
                banned[(tt, tid)] = t
            elif act == "account.reactivate":
                if banned.get((tt, tid)) is None:
                    C.err(ln, "reactivation without prior ban/suspension %s" % tid)
                banned[(tt, tid)] = None
                if "appeal" in at and at["appeal"] not in tickets:
                    C.err(ln, "appeal ticket never opened")
            elif act == "honeytoken.plant":
                planted.add(tid)
            if pur is not None and "ticket" in pur and pur["ticket"] not in tickets:
                C.err(ln, "purpose cites unopened ticket %s" % pur["ticket"])
            if aid in disclosed and atype == "employee" and ev.get("outcome", "allowed") == "allowed":
                dd = disclosed[aid]
                cs = []
                if act == "customer.view":
                    cs = [tid]
                elif act in ("customer.search", "customer.export"):
                    cs = ev.get("targets", [])
                elif act == "order.view":
                    cs = [at.get("customer")]
                for c in cs:
                    dd.setdefault(c, []).append(t)
    # ---- truth
    for k in ("seed", "start", "end", "employees", "insiders", "honeytokens"):
        if k not in truth:
            C.err("truth", "missing %s" % k)
    ts0, ts1 = parse_time(truth["start"]), parse_time(truth["end"])
    if truth["employees"] != len(hired):
        C.err("truth", "employees %d but %d hired" % (truth["employees"], len(hired)))
    for h in truth["honeytokens"]:
        if h not in planted:
            C.err("truth", "honeytoken %s never planted" % h)
    scen = {}
    for ins in truth["insiders"]:
        e = ins["employee"]
        if set(ins) != {"employee", "scenario", "start", "end", "sellers", "customers"}:
            C.err("truth", "insider keys %s" % sorted(ins))
        scen[ins["scenario"]] = scen.get(ins["scenario"], 0) + 1
        s, en = parse_time(ins["start"]), parse_time(ins["end"])
        if e not in hired:
            C.err("truth", "insider %s not an employee" % e)
        if s is None or en is None or s > en or s < ts0 or en > ts1:
            C.err("truth", "insider %s bad start/end" % e)
            continue
        tl = emp_times[e]
        if s not in tl or en not in tl:
            C.err("truth", "insider %s start/end are not times of own events" % e)
        if sum(1 for x in tl if s <= x <= en) < 2:
            C.err("truth", "insider %s acts fewer than twice" % e)
        for c in ins["customers"]:
            if not any(s <= x <= en for x in disclosed[e].get(c, [])):
                C.err("truth", "insider %s customer %s never disclosed in [start,end]" % (e, c))
        for sl in ins["sellers"]:
            if sl not in sellers_seen:
                C.err("truth", "insider %s seller %s unknown" % (e, sl))
        if len(set(ins["customers"])) != len(ins["customers"]):
            C.err("truth", "duplicate customers for %s" % e)
    print(json.dumps({"events": n, "errors": C.nerr, "first": first_t, "last": last_t,
                      "insiders": len(truth["insiders"]), "scenarios": scen,
                      "honeytokens": len(truth["honeytokens"]), "actions": dict(sorted(actions.items()))}, indent=1))
    for m in C.errors:
        print("ERROR", m)
    sys.exit(1 if C.nerr else 0)


if __name__ == "__main__":
    main()
