#!/usr/bin/env python3
"""Validate a market5 output directory against the Custos event format v1.

usage: python3 tools/market5/check.py DIR [--quiet]

Checks every line of DIR/events.jsonl (fields, types, action taxonomy,
actor/target types, required attrs, size bound, unique ids, non-decreasing
time) plus causality (tickets, reviews, orders, approvals cited only after
they exist; employees act only between hire and leave) and the consistency
of DIR/truth.json with the events.  Exit status 1 on any error.
"""
import json
import re
import sys
from datetime import datetime

TOP = {"id", "time", "actor", "action", "target", "targets", "fields", "purpose", "outcome", "attrs"}
ACTOR_T = {"employee", "customer", "seller", "system"}
TARGET_T = {"customer", "seller", "review", "order", "ticket", "employee", "product"}
FIELDS = {"name", "email", "phone", "address", "payment", "orders", "reviews", "account"}
CODES = {"customer_request", "seller_request", "fraud_investigation", "legal", "quality_review", "break_glass"}
OUTCOMES = {"allowed", "denied", "failed"}
REVIEW_REASONS = {"spam", "abuse", "off_topic", "seller_request", "other"}
ACCOUNT_REASONS = {"fraud", "review_manipulation", "counterfeit", "policy", "other"}
KINDS = {"order_issue", "account", "review_dispute", "appeal", "fraud_report", "other"}
LEAVE_REASONS = {"resigned", "terminated", "transferred"}

# action -> (allowed actor types, allowed target types or None for "no target", target required)
EMP = {"employee"}
ACTIONS = {
    "customer.view": (EMP, {"customer"}, True),
    "customer.search": (EMP, None, False),
    "customer.export": (EMP, None, False),
    "order.view": (EMP, {"order"}, True),
    "review.delete": (EMP, {"review"}, True),
    "review.restore": (EMP, {"review"}, True),
    "account.suspend": (EMP, {"seller", "customer"}, True),
    "account.reactivate": (EMP, {"seller", "customer"}, True),
    "ticket.assign": (EMP, {"ticket"}, True),
    "auth.login": (EMP, None, False),
    "review.create": ({"customer"}, {"review"}, True),
    "order.create": ({"customer"}, {"order"}, True),
    "ticket.open": ({"customer", "seller", "system"}, {"ticket"}, True),
    "ticket.close": ({"system", "employee"}, {"ticket"}, True),
    "account.ban": ({"system"}, {"seller", "customer"}, True),
    "employee.hire": ({"system"}, {"employee"}, True),
    "employee.change": ({"system"}, {"employee"}, True),
    "employee.leave": ({"system"}, {"employee"}, True),
    "honeytoken.plant": ({"system"}, {"customer"}, True),
    "guard.decide": (ACTOR_T, TARGET_T, False),
    "custos.access": (ACTOR_T, TARGET_T, False),
}
TS_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def parse_ts(s):
    if not isinstance(s, str) or not TS_RE.match(s):
        raise ValueError("not RFC 3339")
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


class Checker:
    def __init__(self, quiet=False):
        self.errors = []
        self.warnings = []
        self.quiet = quiet
        self.ids = set()
        self.last = None
        self.tickets = {}        # id -> [open time, closed?]
        self.reviews = set()
        self.orders = set()
        self.approvals = set()
        self.emp = {}            # id -> [hired, left, role, team, site]
        self.customers = set()
        self.sellers = set()
        self.honey = set()
        self.emp_times = {}      # employee -> set of times (for truth check, bounded)
        self.n = 0
        self.actions = {}

    def err(self, ln, msg):
        if len(self.errors) < 200:
            self.errors.append("line %d: %s" % (ln, msg))
        else:
            self.errors.append("")

    def obj(self, ln, o, name, types):
        if not isinstance(o, dict):
            self.err(ln, "%s is not an object" % name)
            return False
        if not isinstance(o.get("type"), str) or o["type"] not in types:
            self.err(ln, "%s.type invalid: %r" % (name, o.get("type")))
            return False
        if not isinstance(o.get("id"), str) or not o["id"]:
            self.err(ln, "%s.id missing" % name)
            return False
        extra = set(o) - ({"type", "id", "role", "team", "site"} if name == "actor" else {"type", "id"})
        if extra:
            self.err(ln, "%s has unknown keys %s" % (name, sorted(extra)))
        for k in ("role", "team", "site"):
            if k in o and not isinstance(o[k], str):
                self.err(ln, "actor.%s not a string" % k)
        return True

    def need_ticket(self, ln, tid, t, what):
        rec = self.tickets.get(tid)
        if rec is None:
            self.err(ln, "%s cites unknown ticket %s" % (what, tid))
        elif rec[0] > t:
            self.err(ln, "%s cites ticket %s opened later" % (what, tid))

    def line(self, ln, raw):
        raw = raw.strip()
        if not raw:
            return
        if len(raw.encode("utf-8")) > 65535:
            self.err(ln, "event larger than 65535 bytes")
        try:
            e = json.loads(raw)
        except ValueError as x:
            self.err(ln, "bad JSON: %s" % x)
            return
        if not isinstance(e, dict):
            self.err(ln, "not an object")
            return
        self.n += 1
        unknown = set(e) - TOP
        if unknown:
            self.err(ln, "unknown top-level keys %s" % sorted(unknown))
        for k in ("id", "time", "actor", "action"):
            if k not in e:
                self.err(ln, "missing %s" % k)
                return
        eid = e["id"]
        if not isinstance(eid, str) or not (1 <= len(eid.encode()) <= 128):
            self.err(ln, "bad id")
        elif eid in self.ids:
            self.err(ln, "duplicate id %s" % eid)
        else:
            self.ids.add(eid)
        try:
            t = parse_ts(e["time"])
        except ValueError:
            self.err(ln, "bad time %r" % e.get("time"))
            return
        if self.last is not None and t < self.last:
            self.err(ln, "time goes backwards")
        self.last = t
        act = e["action"]
        if not isinstance(act, str):
            self.err(ln, "action not a string")
            return
        self.actions[act] = self.actions.get(act, 0) + 1
        custom = act.startswith("x.")
        if not custom and act not in ACTIONS:
            self.err(ln, "unknown action %s" % act)
            return
        actor = e["actor"]
        if not self.obj(ln, actor, "actor", ACTOR_T):
            return
        spec = ACTIONS.get(act)
        if spec and actor["type"] not in spec[0]:
            self.err(ln, "%s by actor type %s" % (act, actor["type"]))
        tgt = e.get("target")
        if tgt is not None:
            if not self.obj(ln, tgt, "target", TARGET_T):
                return
            if spec and spec[1] is not None and tgt["type"] not in spec[1]:
                self.err(ln, "%s on target type %s" % (act, tgt["type"]))
            if spec and spec[1] is None:
                self.err(ln, "%s should not carry a target" % act)
        elif spec and spec[2]:
            self.err(ln, "%s needs a target" % act)
        if "targets" in e:
            tg = e["targets"]
            if not isinstance(tg, list) or not all(isinstance(x, str) for x in tg):
                self.err(ln, "targets not an array of strings")
        elif act in ("customer.search", "customer.export"):
            self.err(ln, "%s without targets" % act)
        if "fields" in e:
            f = e["fields"]
            if not isinstance(f, list) or not all(isinstance(x, str) and x in FIELDS for x in f):
                self.err(ln, "bad fields %r" % f)
        pur = e.get("purpose")
        if pur is not None:
            if not isinstance(pur, dict) or set(pur) - {"ticket", "code", "reason", "approval"} \
                    or not all(isinstance(v, str) for v in pur.values()):
                self.err(ln, "bad purpose %r" % pur)
            else:
                if "code" in pur and pur["code"] not in CODES:
                    self.err(ln, "bad purpose.code %s" % pur["code"])
                if "ticket" in pur:
                    self.need_ticket(ln, pur["ticket"], t, "purpose")
                if "approval" in pur and pur["approval"] not in self.approvals:
                    self.err(ln, "approval %s not granted before" % pur["approval"])
        if "outcome" in e and e["outcome"] not in OUTCOMES:
            self.err(ln, "bad outcome %r" % e["outcome"])
        attrs = e.get("attrs", {})
        if not isinstance(attrs, dict):
            self.err(ln, "attrs not an object")
            attrs = {}
        for k, v in attrs.items():
            if not isinstance(v, (str, int, float, bool)) or v is None:
                self.err(ln, "attrs.%s has type %s" % (k, type(v).__name__))
        # employees: hired, not left, consistent role
        if actor["type"] == "employee":
            rec = self.emp.get(actor["id"])
            if rec is None:
                self.err(ln, "employee %s acts before hire" % actor["id"])
            else:
                if rec[1] is not None:
                    self.err(ln, "employee %s acts after leaving" % actor["id"])
                if (actor.get("role"), actor.get("team"), actor.get("site")) != tuple(rec[2:5]):
                    self.warnings.append("line %d: actor fields differ from HR record for %s" % (ln, actor["id"]))
            s = self.emp_times.setdefault(actor["id"], set())
            s.add(e["time"])
        elif actor["type"] == "customer":
            self.customers.add(actor["id"])
        elif actor["type"] == "seller":
            self.sellers.add(actor["id"])
        self.semantics(ln, e, act, t, tgt, attrs, custom)

    def semantics(self, ln, e, act, t, tgt, attrs, custom):
        tid = tgt["id"] if tgt else None
        if act == "ticket.open":
            if tid in self.tickets:
                self.err(ln, "ticket %s opened twice" % tid)
            self.tickets[tid] = [t, False]
            if attrs.get("kind") not in KINDS:
                self.err(ln, "ticket.open kind %r" % attrs.get("kind"))
            if "order" in attrs and attrs["order"] not in self.orders:
                self.err(ln, "ticket cites unknown order")
            if "review" in attrs and attrs["review"] not in self.reviews:
                self.err(ln, "ticket cites unknown review")
        elif act in ("ticket.assign", "ticket.close", "x.case.note"):
            self.need_ticket(ln, tid, t, act)
            rec = self.tickets.get(tid)
            if rec and rec[1] and act != "x.case.note":      # QA notes on closed cases are fine
                self.err(ln, "%s on closed ticket %s" % (act, tid))
            if act == "ticket.close":
                if "resolution" not in attrs:
                    self.err(ln, "ticket.close without resolution")
                if rec:
                    rec[1] = True
        elif act == "review.create":
            if tid in self.reviews:
                self.err(ln, "review %s created twice" % tid)
            self.reviews.add(tid)
            r = attrs.get("rating")
            if not isinstance(r, int) or isinstance(r, bool) or not 1 <= r <= 5:
                self.err(ln, "bad rating")
            if "seller" not in attrs or "product" not in attrs:
                self.err(ln, "review.create without seller/product")
        elif act == "order.create":
            if tid in self.orders:
                self.err(ln, "order %s created twice" % tid)
            self.orders.add(tid)
            if "seller" not in attrs or "product" not in attrs:
                self.err(ln, "order.create without seller/product")
        elif act in ("review.delete", "review.restore", "x.review.flag", "x.review.keep"):
            if tid not in self.reviews:
                self.err(ln, "%s on unknown review %s" % (act, tid))
            if act == "review.delete" and attrs.get("reason") not in REVIEW_REASONS:
                self.err(ln, "review.delete reason %r" % attrs.get("reason"))
        elif act == "order.view":
            if tid not in self.orders:
                self.err(ln, "order.view of unknown order %s" % tid)
            if "customer" not in attrs or "seller" not in attrs:
                self.err(ln, "order.view without customer/seller")
        elif act in ("account.suspend", "account.ban"):
            if attrs.get("reason") not in ACCOUNT_REASONS:
                self.err(ln, "%s reason %r" % (act, attrs.get("reason")))
        elif act == "account.reactivate":
            if "appeal" in attrs:
                self.need_ticket(ln, attrs["appeal"], t, "appeal")
        elif act == "customer.search":
            if "query" not in attrs:
                self.err(ln, "search without query")
        elif act == "customer.export":
            if "format" not in attrs:
                self.err(ln, "export without format")
        elif act == "auth.login":
            if "ip" not in attrs or "device" not in attrs:
                self.err(ln, "login without ip/device")
        elif act == "employee.hire":
            if tid in self.emp:
                self.err(ln, "employee %s hired twice" % tid)
            self.emp[tid] = [t, None, attrs.get("role"), attrs.get("team"), attrs.get("site")]
        elif act == "employee.change":
            rec = self.emp.get(tid)
            if rec is None:
                self.err(ln, "change of unknown employee")
            else:
                rec[2:5] = [attrs.get("role"), attrs.get("team"), attrs.get("site")]
        elif act == "employee.leave":
            rec = self.emp.get(tid)
            if rec is None:
                self.err(ln, "leave of unknown employee")
            else:
                rec[1] = t
            if attrs.get("reason") not in LEAVE_REASONS:
                self.err(ln, "leave reason %r" % attrs.get("reason"))
        elif act == "honeytoken.plant":
            self.honey.add(tid)
        elif act == "x.approval.grant":
            if "approval" not in attrs:
                self.err(ln, "grant without approval id")
            self.approvals.add(attrs.get("approval"))
            if "ticket" in attrs:
                self.need_ticket(ln, attrs["ticket"], t, "approval")
        if act in ("x.macro.send",) and "ticket" in attrs:
            self.need_ticket(ln, attrs["ticket"], t, act)
        if tgt and tgt["type"] == "customer":
            self.customers.add(tid)
        for c in e.get("targets") or ():
            self.customers.add(c)
        if tgt and tgt["type"] == "seller":
            self.sellers.add(tid)
        if "seller" in attrs:
            self.sellers.add(attrs["seller"])

    def truth(self, path):
        try:
            tr = json.load(open(path))
        except (OSError, ValueError) as x:
            self.errors.append("truth.json: %s" % x)
            return
        for k in ("seed", "start", "end", "employees", "insiders", "honeytokens"):
            if k not in tr:
                self.errors.append("truth.json misses %s" % k)
        for h in tr.get("honeytokens", []):
            if h not in self.honey:
                self.errors.append("truth honeytoken %s never planted" % h)
        for ins in tr.get("insiders", []):
            emp = ins.get("employee")
            if emp not in self.emp:
                self.errors.append("truth insider %s unknown" % emp)
                continue
            for k in ("scenario", "start", "end", "sellers", "customers"):
                if k not in ins:
                    self.errors.append("insider %s misses %s" % (emp, k))
            try:
                s, en = parse_ts(ins["start"]), parse_ts(ins["end"])
                if s > en:
                    self.errors.append("insider %s start after end" % emp)
            except (KeyError, ValueError):
                self.errors.append("insider %s bad start/end" % emp)
            times = self.emp_times.get(emp, set())
            if ins.get("start") not in times or ins.get("end") not in times:
                self.errors.append("insider %s start/end do not match any of its events" % emp)
            for c in ins.get("customers", []):
                if c not in self.customers:
                    self.errors.append("insider %s customer %s never seen" % (emp, c))
            for sl in ins.get("sellers", []):
                if sl not in self.sellers:
                    self.errors.append("insider %s seller %s never seen" % (emp, sl))


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    d = sys.argv[1]
    ck = Checker()
    with open(d + "/events.jsonl", encoding="utf-8") as f:
        for ln, raw in enumerate(f, 1):
            ck.line(ln, raw)
    ck.truth(d + "/truth.json")
    print("events: %d  errors: %d  warnings: %d" % (ck.n, len(ck.errors), len(ck.warnings)))
    print("employees: %d  customers seen: %d  sellers seen: %d  tickets: %d  orders: %d  reviews: %d  honeytokens: %d"
          % (len(ck.emp), len(ck.customers), len(ck.sellers), len(ck.tickets), len(ck.orders), len(ck.reviews),
             len(ck.honey)))
    for x in [x for x in ck.errors if x][:40]:
        print("ERROR", x)
    for x in ck.warnings[:10]:
        print("WARN", x)
    sys.exit(1 if ck.errors else 0)


if __name__ == "__main__":
    main()
