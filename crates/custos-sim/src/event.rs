//! Events as the simulator holds them until they are written: compact
//! numeric records, turned into `custos_core::Event`s and their canonical
//! JSON only when the day's buffer is flushed in time order.
//!
//! Rendering reuses one scratch `Event` (and one `attrs` map per set of
//! keys) so that writing tens of millions of lines does not allocate for
//! each of them.

use crate::staff::Role;
use custos_core::canonical::write_event;
use custos_core::event::{BanReason, DeleteReason, LeaveReason, TicketKind};
use custos_core::{
    Action, Actor, ActorType, AttrValue, DataField, Event, EventId, Purpose, PurposeCode, Target,
    TargetType, Timestamp,
};
use std::collections::BTreeMap;

/// "No such thing" in the numeric fields below.
pub(crate) const NONE: u32 = u32::MAX;

/// First numbers of each id space (`cus-100000`, ...). They only make
/// ids look like a real system's; nothing is encoded in them.
pub(crate) const CUSTOMER_BASE: u64 = 100_000;
pub(crate) const SELLER_BASE: u64 = 2_000;
pub(crate) const ORDER_BASE: u64 = 3_000_000;
pub(crate) const REVIEW_BASE: u64 = 800_000;
pub(crate) const TICKET_BASE: u64 = 500_000;
pub(crate) const PRODUCT_BASE: u64 = 40_000;

/// An employee as the actor of an event: who, and in which role and team
/// at that moment.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Who {
    pub emp: u32,
    pub team: u32,
    pub role: Role,
}

/// A purpose: a ticket (or `NONE`), a code and a free-text reason (an
/// index into `REASONS`, 0 for none); no purpose at all when all three
/// are absent.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Purp {
    pub ticket: u32,
    pub code: Option<PurposeCode>,
    pub reason: u8,
}

/// `purpose.reason` texts.
pub(crate) const REASONS: &[&str] = &[
    "",
    "phone call",
    "customer called back",
    "urgent: account takeover in progress",
    "chat",
];
pub(crate) const REASON_PHONE: u8 = 1;
pub(crate) const REASON_CALLBACK: u8 = 2;
pub(crate) const REASON_TAKEOVER: u8 = 3;
pub(crate) const REASON_CHAT: u8 = 4;

impl Purp {
    pub(crate) const NONE: Purp = Purp {
        ticket: NONE,
        code: None,
        reason: 0,
    };

    pub(crate) fn ticket(ticket: u32, code: PurposeCode) -> Purp {
        Purp {
            ticket,
            code: Some(code),
            reason: 0,
        }
    }

    pub(crate) fn code(code: PurposeCode) -> Purp {
        Purp {
            ticket: NONE,
            code: Some(code),
            reason: 0,
        }
    }

    pub(crate) fn because(self, reason: u8) -> Purp {
        Purp { reason, ..self }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SystemActor {
    Ticketing,
    Risk,
    Hr,
    Custos,
}

impl SystemActor {
    fn id(self) -> &'static str {
        match self {
            SystemActor::Ticketing => "ticketing",
            SystemActor::Risk => "risk-engine",
            SystemActor::Hr => "hr-sync",
            SystemActor::Custos => "custos",
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum Party {
    Customer(u32),
    Seller(u32),
    System(SystemActor),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Account {
    Seller(u32),
    Customer(u32),
}

/// `attrs.query` of a search. Personal values are written as opaque
/// tokens, as a real tool would log them.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Query {
    Email(u32),
    Phone(u32),
    Order(u32),
    Seller(u32),
    Product(u32),
    Name(u32),
}

#[derive(Clone, Debug)]
pub(crate) enum Kind {
    OrderCreate {
        customer: u32,
        order: u32,
        seller: u32,
        product: u32,
    },
    ReviewCreate {
        customer: u32,
        review: u32,
        seller: u32,
        product: u32,
        rating: u8,
    },
    TicketOpen {
        ticket: u32,
        by: Party,
        kind: TicketKind,
        customer: u32,
        seller: u32,
        review: u32,
    },
    TicketAssign {
        who: Who,
        ticket: u32,
    },
    TicketClose {
        ticket: u32,
        by: Option<Who>,
        resolution: &'static str,
    },
    CustomerView {
        who: Who,
        customer: u32,
        fields: u8,
        purpose: Purp,
    },
    OrderView {
        who: Who,
        order: u32,
        customer: u32,
        seller: u32,
        purpose: Purp,
    },
    Search {
        who: Who,
        query: Query,
        targets: Box<[u32]>,
        batch: u32,
        purpose: Purp,
    },
    Export {
        who: Who,
        targets: Box<[u32]>,
        batch: u32,
        purpose: Purp,
    },
    ReviewDelete {
        who: Who,
        review: u32,
        reason: DeleteReason,
        purpose: Purp,
    },
    Suspend {
        who: Who,
        account: Account,
        reason: BanReason,
        purpose: Purp,
    },
    Ban {
        account: Account,
        reason: BanReason,
    },
    Reactivate {
        who: Who,
        account: Account,
        appeal: u32,
        purpose: Purp,
    },
    Login {
        who: Who,
        remote: bool,
    },
    Hire {
        who: Who,
    },
    Change {
        who: Who,
    },
    Leave {
        emp: u32,
        reason: LeaveReason,
    },
    Plant {
        customer: u32,
    },
}

pub(crate) struct Pending {
    pub time: i64,
    pub kind: Kind,
}

/// Data categories as a bit set, in `DataField::ALL` order.
pub(crate) mod fields {
    pub const NAME: u8 = 1;
    pub const EMAIL: u8 = 2;
    pub const PHONE: u8 = 4;
    pub const ADDRESS: u8 = 8;
    pub const PAYMENT: u8 = 16;
    pub const ORDERS: u8 = 32;
    pub const REVIEWS: u8 = 64;
    pub const ACCOUNT: u8 = 128;
    pub const ALL: u8 = 255;
}

/// The key sets of `attrs`, one cached map each.
#[derive(Clone, Copy)]
enum Shape {
    Order,
    Review,
    OpenC,
    OpenCS,
    OpenS,
    Open,
    OpenCSR,
    Close,
    Tool,
    OrderView,
    Search,
    SearchBatch,
    Export,
    Export1,
    ReasonTool,
    ReactivateAppeal,
    Reason,
    Login,
    Hr,
}

const SHAPES: &[&[&str]] = &[
    &["product", "seller"],
    &["product", "rating", "seller"],
    &["customer", "kind"],
    &["customer", "kind", "seller"],
    &["kind", "seller"],
    &["kind"],
    &["customer", "kind", "review", "seller"],
    &["resolution"],
    &["ip", "tool"],
    &["customer", "ip", "seller", "tool"],
    &["ip", "query", "tool"],
    &["batch", "ip", "query", "tool"],
    &["batch", "format", "ip", "tool"],
    &["format", "ip", "tool"],
    &["ip", "reason", "tool"],
    &["appeal", "ip", "tool"],
    &["reason"],
    &["device", "ip"],
    &["role", "site", "team"],
];

/// What the renderer needs to know about the staff.
pub(crate) struct Names {
    /// The number in each employee's id (`emp-<n>`).
    pub emp_num: Vec<u32>,
    /// Each employee's host number, for the `ip` attribute.
    pub emp_host: Vec<u16>,
    pub team_name: Vec<String>,
    pub team_site: Vec<u8>,
    pub site_code: Vec<&'static str>,
}

pub(crate) struct Renderer {
    ev: Event,
    spare_target: Option<Target>,
    spare_targets: Option<Vec<String>>,
    spare_fields: Option<Vec<DataField>>,
    spare_purpose: Option<Purpose>,
    spare_ticket: Option<String>,
    spare_reason: Option<String>,
    spare_role: Option<String>,
    spare_team: Option<String>,
    spare_site: Option<String>,
    attr_maps: Vec<Option<BTreeMap<String, AttrValue>>>,
    installed: Option<usize>,
    next_id: u64,
    pub names: Names,
}

fn stash<T>(field: &mut Option<T>, spare: &mut Option<T>) {
    if let Some(v) = field.take() {
        *spare = Some(v);
    }
}

fn unstash<'a, T>(
    field: &'a mut Option<T>,
    spare: &mut Option<T>,
    make: impl FnOnce() -> T,
) -> &'a mut T {
    field.get_or_insert_with(|| spare.take().unwrap_or_else(make))
}

fn push_num(s: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &b in &buf[i..] {
        s.push(char::from(b));
    }
}

fn push_hex(s: &mut String, mut n: u64) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut buf = [0u8; 16];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = HEX[(n & 15) as usize];
        n >>= 4;
        if n == 0 {
            break;
        }
    }
    for &b in &buf[i..] {
        s.push(char::from(b));
    }
}

/// Writes `<prefix><base + n>` into `s`.
fn set_id(s: &mut String, prefix: &str, base: u64, n: u32) {
    s.clear();
    s.push_str(prefix);
    push_num(s, base + u64::from(n));
}

pub(crate) fn customer_id(n: u32) -> String {
    let mut s = String::new();
    set_id(&mut s, "cus-", CUSTOMER_BASE, n);
    s
}

pub(crate) fn seller_id(n: u32) -> String {
    let mut s = String::new();
    set_id(&mut s, "sel-", SELLER_BASE, n);
    s
}

pub(crate) fn employee_id(num: u32) -> String {
    let mut s = String::new();
    set_id(&mut s, "emp-", 0, num);
    s
}

fn attr_str<'m>(m: &'m mut BTreeMap<String, AttrValue>, key: &str) -> &'m mut String {
    if !matches!(m.get(key), Some(AttrValue::Str(_))) {
        m.insert(key.to_owned(), AttrValue::Str(String::new()));
    }
    match m.get_mut(key) {
        Some(AttrValue::Str(s)) => {
            s.clear();
            s
        }
        _ => unreachable!("the value was made a string just above"),
    }
}

fn field_list(v: &mut Vec<DataField>, bits: u8) {
    v.clear();
    for (i, f) in DataField::ALL.iter().enumerate() {
        if bits & (1 << i) != 0 {
            v.push(*f);
        }
    }
}

impl Renderer {
    pub(crate) fn new(names: Names) -> Renderer {
        Renderer {
            ev: Event {
                id: EventId(String::new()),
                time: Timestamp(0),
                actor: Actor {
                    kind: ActorType::System,
                    id: String::new(),
                    role: None,
                    team: None,
                    site: None,
                },
                action: Action::AuthLogin,
                target: None,
                targets: None,
                fields: None,
                purpose: None,
                outcome: None,
                attrs: None,
            },
            spare_target: None,
            spare_targets: None,
            spare_fields: None,
            spare_purpose: None,
            spare_ticket: None,
            spare_reason: None,
            spare_role: None,
            spare_team: None,
            spare_site: None,
            attr_maps: (0..SHAPES.len()).map(|_| None).collect(),
            installed: None,
            next_id: 0,
            names,
        }
    }

    /// Appends the event's canonical JSON and a newline to `out`.
    pub(crate) fn render(&mut self, p: &Pending, out: &mut Vec<u8>) {
        self.reset(p.time);
        self.fill(&p.kind);
        write_event(out, &self.ev);
        out.push(b'\n');
    }

    fn reset(&mut self, time: i64) {
        self.next_id += 1;
        let id = &mut self.ev.id.0;
        id.clear();
        id.push_str("ev-");
        push_hex(id, self.next_id);
        self.ev.time = Timestamp(time);
        stash(&mut self.ev.target, &mut self.spare_target);
        stash(&mut self.ev.targets, &mut self.spare_targets);
        stash(&mut self.ev.fields, &mut self.spare_fields);
        if let Some(mut p) = self.ev.purpose.take() {
            stash(&mut p.ticket, &mut self.spare_ticket);
            stash(&mut p.reason, &mut self.spare_reason);
            p.code = None;
            self.spare_purpose = Some(p);
        }
        stash(&mut self.ev.actor.role, &mut self.spare_role);
        stash(&mut self.ev.actor.team, &mut self.spare_team);
        stash(&mut self.ev.actor.site, &mut self.spare_site);
        if let Some(shape) = self.installed.take() {
            self.attr_maps[shape] = self.ev.attrs.take();
        }
    }

    fn actor_system(&mut self, s: SystemActor) {
        self.ev.actor.kind = ActorType::System;
        self.ev.actor.id.clear();
        self.ev.actor.id.push_str(s.id());
    }

    fn actor_customer(&mut self, c: u32) {
        self.ev.actor.kind = ActorType::Customer;
        set_id(&mut self.ev.actor.id, "cus-", CUSTOMER_BASE, c);
    }

    fn actor_seller(&mut self, s: u32) {
        self.ev.actor.kind = ActorType::Seller;
        set_id(&mut self.ev.actor.id, "sel-", SELLER_BASE, s);
    }

    fn actor_employee(&mut self, who: Who) {
        let a = &mut self.ev.actor;
        a.kind = ActorType::Employee;
        set_id(&mut a.id, "emp-", 0, self.names.emp_num[who.emp as usize]);
        let role = unstash(&mut a.role, &mut self.spare_role, String::new);
        role.clear();
        role.push_str(who.role.as_str());
        let team = unstash(&mut a.team, &mut self.spare_team, String::new);
        team.clear();
        team.push_str(&self.names.team_name[who.team as usize]);
        let site = unstash(&mut a.site, &mut self.spare_site, String::new);
        site.clear();
        site.push_str(self.names.site_code[self.names.team_site[who.team as usize] as usize]);
    }

    fn target(&mut self, kind: TargetType, prefix: &str, base: u64, n: u32) {
        let t = unstash(&mut self.ev.target, &mut self.spare_target, || Target {
            kind,
            id: String::new(),
        });
        t.kind = kind;
        set_id(&mut t.id, prefix, base, n);
    }

    fn target_employee(&mut self, emp: u32) {
        let num = self.names.emp_num[emp as usize];
        self.target(TargetType::Employee, "emp-", 0, num);
    }

    fn target_account(&mut self, a: Account) {
        match a {
            Account::Seller(s) => self.target(TargetType::Seller, "sel-", SELLER_BASE, s),
            Account::Customer(c) => self.target(TargetType::Customer, "cus-", CUSTOMER_BASE, c),
        }
    }

    fn targets(&mut self, customers: &[u32]) {
        let v = unstash(&mut self.ev.targets, &mut self.spare_targets, Vec::new);
        v.truncate(customers.len());
        while v.len() < customers.len() {
            v.push(String::new());
        }
        for (s, c) in v.iter_mut().zip(customers) {
            set_id(s, "cus-", CUSTOMER_BASE, *c);
        }
    }

    fn fields(&mut self, bits: u8) {
        let v = unstash(&mut self.ev.fields, &mut self.spare_fields, Vec::new);
        field_list(v, bits);
    }

    fn purpose(&mut self, p: Purp) {
        if p.ticket == NONE && p.code.is_none() && p.reason == 0 {
            return;
        }
        let spare_ticket = &mut self.spare_ticket;
        let spare_reason = &mut self.spare_reason;
        let purpose = unstash(
            &mut self.ev.purpose,
            &mut self.spare_purpose,
            Purpose::default,
        );
        purpose.code = p.code;
        if p.ticket != NONE {
            let t = unstash(&mut purpose.ticket, spare_ticket, String::new);
            set_id(t, "tkt-", TICKET_BASE, p.ticket);
        }
        if p.reason != 0 {
            let r = unstash(&mut purpose.reason, spare_reason, String::new);
            r.clear();
            r.push_str(REASONS[p.reason as usize]);
        }
    }

    fn take_map(&mut self, shape: Shape) -> BTreeMap<String, AttrValue> {
        let i = shape as usize;
        self.attr_maps[i].take().unwrap_or_else(|| {
            SHAPES[i]
                .iter()
                .map(|k| ((*k).to_owned(), AttrValue::Str(String::new())))
                .collect()
        })
    }

    fn install(
        &mut self,
        shape: Shape,
        map: BTreeMap<String, AttrValue>,
    ) -> &mut BTreeMap<String, AttrValue> {
        self.installed = Some(shape as usize);
        self.ev.attrs.insert(map)
    }

    fn attrs(&mut self, shape: Shape) -> &mut BTreeMap<String, AttrValue> {
        let map = self.take_map(shape);
        self.install(shape, map)
    }

    /// `ip` and `tool` of an employee action, into an installed map.
    fn tool_attrs(&mut self, shape: Shape, who: Who) {
        let host = self.names.emp_host[who.emp as usize];
        let site = self.names.team_site[who.team as usize];
        let tool = who.role.tool();
        let m = self.attrs(shape);
        write_ip(attr_str(m, "ip"), site, host);
        attr_str(m, "tool").push_str(tool);
    }

    fn fill(&mut self, kind: &Kind) {
        match *kind {
            Kind::OrderCreate {
                customer,
                order,
                seller,
                product,
            } => {
                self.ev.action = Action::OrderCreate;
                self.actor_customer(customer);
                self.target(TargetType::Order, "ord-", ORDER_BASE, order);
                let m = self.attrs(Shape::Order);
                set_id(attr_str(m, "product"), "prd-", PRODUCT_BASE, product);
                set_id(attr_str(m, "seller"), "sel-", SELLER_BASE, seller);
            }
            Kind::ReviewCreate {
                customer,
                review,
                seller,
                product,
                rating,
            } => {
                self.ev.action = Action::ReviewCreate;
                self.actor_customer(customer);
                self.target(TargetType::Review, "rev-", REVIEW_BASE, review);
                let m = self.attrs(Shape::Review);
                set_id(attr_str(m, "product"), "prd-", PRODUCT_BASE, product);
                set_id(attr_str(m, "seller"), "sel-", SELLER_BASE, seller);
                m.insert("rating".to_owned(), AttrValue::Num(f64::from(rating)));
            }
            Kind::TicketOpen {
                ticket,
                by,
                kind,
                customer,
                seller,
                review,
            } => {
                self.ev.action = Action::TicketOpen;
                match by {
                    Party::Customer(c) => self.actor_customer(c),
                    Party::Seller(s) => self.actor_seller(s),
                    Party::System(s) => self.actor_system(s),
                }
                self.target(TargetType::Ticket, "tkt-", TICKET_BASE, ticket);
                let shape = match (customer != NONE, seller != NONE, review != NONE) {
                    (true, true, true) => Shape::OpenCSR,
                    (true, true, false) => Shape::OpenCS,
                    (true, false, _) => Shape::OpenC,
                    (false, true, _) => Shape::OpenS,
                    (false, false, _) => Shape::Open,
                };
                let m = self.attrs(shape);
                attr_str(m, "kind").push_str(kind.as_str());
                if customer != NONE {
                    set_id(attr_str(m, "customer"), "cus-", CUSTOMER_BASE, customer);
                }
                if seller != NONE {
                    set_id(attr_str(m, "seller"), "sel-", SELLER_BASE, seller);
                }
                if matches!(shape, Shape::OpenCSR) {
                    set_id(attr_str(m, "review"), "rev-", REVIEW_BASE, review);
                }
            }
            Kind::TicketAssign { who, ticket } => {
                self.ev.action = Action::TicketAssign;
                self.actor_employee(who);
                self.target(TargetType::Ticket, "tkt-", TICKET_BASE, ticket);
                self.tool_attrs(Shape::Tool, who);
            }
            Kind::TicketClose {
                ticket,
                by,
                resolution,
            } => {
                self.ev.action = Action::TicketClose;
                match by {
                    Some(who) => self.actor_employee(who),
                    None => self.actor_system(SystemActor::Ticketing),
                }
                self.target(TargetType::Ticket, "tkt-", TICKET_BASE, ticket);
                let m = self.attrs(Shape::Close);
                attr_str(m, "resolution").push_str(resolution);
            }
            Kind::CustomerView {
                who,
                customer,
                fields,
                purpose,
            } => {
                self.ev.action = Action::CustomerView;
                self.actor_employee(who);
                self.target(TargetType::Customer, "cus-", CUSTOMER_BASE, customer);
                self.fields(fields);
                self.purpose(purpose);
                self.tool_attrs(Shape::Tool, who);
            }
            Kind::OrderView {
                who,
                order,
                customer,
                seller,
                purpose,
            } => {
                self.ev.action = Action::OrderView;
                self.actor_employee(who);
                self.target(TargetType::Order, "ord-", ORDER_BASE, order);
                self.purpose(purpose);
                self.tool_attrs(Shape::OrderView, who);
                if let Some(m) = self.ev.attrs.as_mut() {
                    set_id(attr_str(m, "customer"), "cus-", CUSTOMER_BASE, customer);
                    set_id(attr_str(m, "seller"), "sel-", SELLER_BASE, seller);
                }
            }
            Kind::Search {
                who,
                query,
                ref targets,
                batch,
                purpose,
            } => {
                self.ev.action = Action::CustomerSearch;
                self.actor_employee(who);
                self.targets(targets);
                self.purpose(purpose);
                let shape = if batch == NONE {
                    Shape::Search
                } else {
                    Shape::SearchBatch
                };
                self.tool_attrs(shape, who);
                if let Some(m) = self.ev.attrs.as_mut() {
                    write_query(attr_str(m, "query"), query);
                    if batch != NONE {
                        set_id(attr_str(m, "batch"), "bat-", 0, batch);
                    }
                }
            }
            Kind::Export {
                who,
                ref targets,
                batch,
                purpose,
            } => {
                self.ev.action = Action::CustomerExport;
                self.actor_employee(who);
                self.targets(targets);
                self.purpose(purpose);
                let shape = if batch == NONE {
                    Shape::Export1
                } else {
                    Shape::Export
                };
                self.tool_attrs(shape, who);
                if let Some(m) = self.ev.attrs.as_mut() {
                    attr_str(m, "format").push_str("csv");
                    if batch != NONE {
                        set_id(attr_str(m, "batch"), "bat-", 0, batch);
                    }
                }
            }
            Kind::ReviewDelete {
                who,
                review,
                reason,
                purpose,
            } => {
                self.ev.action = Action::ReviewDelete;
                self.actor_employee(who);
                self.target(TargetType::Review, "rev-", REVIEW_BASE, review);
                self.purpose(purpose);
                self.tool_attrs(Shape::ReasonTool, who);
                if let Some(m) = self.ev.attrs.as_mut() {
                    attr_str(m, "reason").push_str(reason.as_str());
                }
            }
            Kind::Suspend {
                who,
                account,
                reason,
                purpose,
            } => {
                self.ev.action = Action::AccountSuspend;
                self.actor_employee(who);
                self.target_account(account);
                self.purpose(purpose);
                self.tool_attrs(Shape::ReasonTool, who);
                if let Some(m) = self.ev.attrs.as_mut() {
                    attr_str(m, "reason").push_str(reason.as_str());
                }
            }
            Kind::Ban { account, reason } => {
                self.ev.action = Action::AccountBan;
                self.actor_system(SystemActor::Risk);
                self.target_account(account);
                let m = self.attrs(Shape::Reason);
                attr_str(m, "reason").push_str(reason.as_str());
            }
            Kind::Reactivate {
                who,
                account,
                appeal,
                purpose,
            } => {
                self.ev.action = Action::AccountReactivate;
                self.actor_employee(who);
                self.target_account(account);
                self.purpose(purpose);
                if appeal == NONE {
                    self.tool_attrs(Shape::Tool, who);
                } else {
                    self.tool_attrs(Shape::ReactivateAppeal, who);
                    if let Some(m) = self.ev.attrs.as_mut() {
                        set_id(attr_str(m, "appeal"), "tkt-", TICKET_BASE, appeal);
                    }
                }
            }
            Kind::Login { who, remote } => {
                self.ev.action = Action::AuthLogin;
                self.actor_employee(who);
                let host = self.names.emp_host[who.emp as usize];
                let site = self.names.team_site[who.team as usize];
                let num = self.names.emp_num[who.emp as usize];
                let m = self.attrs(Shape::Login);
                set_id(attr_str(m, "device"), "lt-", 0, num);
                let ip = attr_str(m, "ip");
                if remote {
                    ip.push_str("172.16.");
                    push_num(ip, u64::from(host % 250));
                    ip.push('.');
                    push_num(ip, u64::from(host / 250 % 250 + 2));
                } else {
                    write_ip(ip, site, host);
                }
            }
            Kind::Hire { who } | Kind::Change { who } => {
                self.ev.action = if matches!(kind, Kind::Hire { .. }) {
                    Action::EmployeeHire
                } else {
                    Action::EmployeeChange
                };
                self.actor_system(SystemActor::Hr);
                self.target_employee(who.emp);
                let mut m = self.take_map(Shape::Hr);
                let team = &self.names.team_name[who.team as usize];
                let site = self.names.site_code[self.names.team_site[who.team as usize] as usize];
                attr_str(&mut m, "role").push_str(who.role.as_str());
                attr_str(&mut m, "site").push_str(site);
                attr_str(&mut m, "team").push_str(team);
                self.install(Shape::Hr, m);
            }
            Kind::Leave { emp, reason } => {
                self.ev.action = Action::EmployeeLeave;
                self.actor_system(SystemActor::Hr);
                self.target_employee(emp);
                let m = self.attrs(Shape::Reason);
                attr_str(m, "reason").push_str(reason.as_str());
            }
            Kind::Plant { customer } => {
                self.ev.action = Action::HoneytokenPlant;
                self.actor_system(SystemActor::Custos);
                self.target(TargetType::Customer, "cus-", CUSTOMER_BASE, customer);
            }
        }
    }
}

/// A private address: site in the second octet, the employee's host in
/// the last two.
fn write_ip(s: &mut String, site: u8, host: u16) {
    s.push_str("10.");
    push_num(s, 20 + u64::from(site));
    s.push('.');
    push_num(s, u64::from(host / 250 % 250));
    s.push('.');
    push_num(s, u64::from(host % 250 + 2));
}

fn write_query(s: &mut String, q: Query) {
    let (label, token) = match q {
        Query::Email(c) => ("email:", crate::rng::mix(u64::from(c), 1)),
        Query::Phone(c) => ("phone:", crate::rng::mix(u64::from(c), 2)),
        Query::Name(c) => ("name:", crate::rng::mix(u64::from(c), 3)),
        Query::Order(o) => {
            s.push_str("order:");
            set_id_append(s, "ord-", ORDER_BASE, o);
            return;
        }
        Query::Seller(x) => {
            s.push_str("seller:");
            set_id_append(s, "sel-", SELLER_BASE, x);
            return;
        }
        Query::Product(p) => {
            s.push_str("product:");
            set_id_append(s, "prd-", PRODUCT_BASE, p);
            return;
        }
    };
    s.push_str(label);
    push_hex(s, token & 0xffff_ffff);
}

fn set_id_append(s: &mut String, prefix: &str, base: u64, n: u32) {
    s.push_str(prefix);
    push_num(s, base + u64::from(n));
}
