//! One disclosure of customer data, analysed once per event for all
//! detectors: who, which customers, and whether a ticket justifies it.

use crate::config::DetectConfig;
use crate::world::World;
use custos_core::event::PurposeCode;
use custos_core::time::MS_PER_HOUR;
use custos_core::{Action, Event};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AccessKind {
    View,
    Order,
    Search,
    Export,
}

/// Why (or whether) the purpose of a disclosure holds.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub(crate) enum Verdict {
    /// A ticket that is open (or recently closed), not someone else's,
    /// and about the customer.
    Ok,
    /// A ticket unknown to the engine while the stream is young: it may
    /// predate the stream.
    Unverified,
    /// The ticket is about the customer but assigned to a team-mate
    /// (hand-over, a lead's review): not a violation.
    TeamTicket,
    /// A quality review (`quality_review`) of a ticket about this very
    /// customer that someone else holds or that was closed: checking
    /// real cases after the fact is what quality review is, and the
    /// data disclosed is the ticket's own customer's. A ticket naming
    /// only a seller does not qualify: reviewing "a seller's customers"
    /// is the founding case's harvest.
    Review,
    /// A look-up without purpose of a shared record: a customer that many
    /// employees open without a ticket day after day (a test or training
    /// account; `world.shared_record_employees`).
    SharedRecord,
    BreakGlass,
    NoTicket,
    UnknownTicket,
    OtherAssignee,
    TicketClosed,
    WrongCustomer,
}

impl Verdict {
    pub fn is_violation(self) -> bool {
        matches!(
            self,
            Verdict::NoTicket
                | Verdict::UnknownTicket
                | Verdict::OtherAssignee
                | Verdict::TicketClosed
                | Verdict::WrongCustomer
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Unverified => "unverified",
            Verdict::TeamTicket => "team_ticket",
            Verdict::Review => "quality_review",
            Verdict::SharedRecord => "shared_record",
            Verdict::BreakGlass => "break_glass",
            Verdict::NoTicket => "no_ticket",
            Verdict::UnknownTicket => "unknown_ticket",
            Verdict::OtherAssignee => "ticket_of_another_employee",
            Verdict::TicketClosed => "ticket_closed",
            Verdict::WrongCustomer => "ticket_about_another_customer",
        }
    }
}

pub(crate) struct Access {
    pub emp: u32,
    pub kind: AccessKind,
    /// Distinct customers disclosed, ascending.
    pub customers: Vec<u32>,
    /// Per customer: justified by a ticket for that customer (the valid
    /// purpose ticket, or one assigned to the employee), by a valid
    /// purpose ticket naming a seller the customer bought from or
    /// reviewed, by a legal export under a valid ticket or an approved
    /// one, or (an order view) by the employee serving the order's seller.
    pub explained: Vec<bool>,
    pub verdict: Verdict,
    /// An export for a legal purpose under a valid ticket.
    pub legal_ok: bool,
    /// An export under the employee's own four-eyes approval (see
    /// `WorldConfig::approval_memory_days`).
    pub approved: bool,
}

impl Access {
    /// A search run under a valid ticket: its other hits are incidental
    /// (a name search returns namesakes), not customers looked up.
    pub fn incidental_hits(&self) -> bool {
        self.kind == AccessKind::Search && self.has_valid_ticket()
    }

    /// Whether a valid ticket stands behind the access.
    pub fn has_valid_ticket(&self) -> bool {
        matches!(
            self.verdict,
            Verdict::Ok | Verdict::TeamTicket | Verdict::Review | Verdict::Unverified
        )
    }
}

pub(crate) fn analyze(world: &mut World, ev: &Event, cfg: &DetectConfig) -> Option<Access> {
    let kind = match ev.action {
        Action::CustomerView => AccessKind::View,
        Action::OrderView => AccessKind::Order,
        Action::CustomerSearch => AccessKind::Search,
        Action::CustomerExport => AccessKind::Export,
        _ => return None,
    };
    let emp_id = ev.employee()?;
    let disclosed = ev.disclosed_customers();
    if disclosed.is_empty() && kind != AccessKind::Search {
        return None;
    }
    if ev.outcome() != custos_core::Outcome::Allowed {
        return None;
    }
    let emp = world.employee(emp_id);
    let mut customers: Vec<u32> = disclosed.iter().map(|c| world.customer(c)).collect();
    customers.sort_unstable();
    customers.dedup();

    let purpose = ev.purpose.as_ref();
    let code = purpose.and_then(|p| p.code);
    let mut ticket_customer = None;
    let mut ticket_seller = None;
    let verdict = if code == Some(PurposeCode::BreakGlass) {
        Verdict::BreakGlass
    } else {
        match purpose.and_then(|p| p.ticket.as_deref()) {
            None => Verdict::NoTicket,
            Some(t) => match world.tickets.get(t) {
                None if world.in_warmup(cfg) => Verdict::Unverified,
                None => Verdict::UnknownTicket,
                Some(ti) => {
                    let grace = cfg.world.closed_ticket_grace_hours as i64 * MS_PER_HOUR;
                    let my_team = world.emp[emp as usize].team;
                    let other = ti.assignee.filter(|&a| a != emp);
                    let team_mate = other.is_some_and(|a| {
                        my_team.is_some()
                            && world.emp.get(a as usize).and_then(|x| x.team) == my_team
                    });
                    let closed = ti.closed.is_some_and(|c| world.now - c > grace);
                    let reviewed = code == Some(PurposeCode::QualityReview)
                        && ti.customer.is_some_and(|tc| customers == [tc]);
                    if reviewed && ((other.is_some() && !team_mate) || closed) {
                        ticket_customer = ti.customer;
                        Verdict::Review
                    } else if other.is_some() && !team_mate {
                        Verdict::OtherAssignee
                    } else if closed {
                        Verdict::TicketClosed
                    } else {
                        // A ticket naming a seller covers that seller's
                        // customers (a fraud report about a seller, a
                        // seller's escalation).
                        ticket_seller = ti.seller;
                        let in_scope = |c: u32| {
                            ti.customer == Some(c)
                                || ti.seller.is_some_and(|s| {
                                    world.cust[c as usize].rel.iter().any(|r| r.0 == s)
                                })
                        };
                        let about = match (kind, ti.customer) {
                            (_, None) | (AccessKind::Export, _) => true,
                            (AccessKind::Search, Some(_)) => {
                                customers.is_empty() || customers.iter().any(|&c| in_scope(c))
                            }
                            (_, Some(_)) => customers.iter().all(|&c| in_scope(c)),
                        };
                        if about {
                            ticket_customer = ti.customer;
                            if team_mate {
                                Verdict::TeamTicket
                            } else {
                                Verdict::Ok
                            }
                        } else {
                            Verdict::WrongCustomer
                        }
                    }
                }
            },
        }
    };
    let verdict = shared_record(world, emp, kind, &customers, verdict, cfg);
    let legal_ok =
        kind == AccessKind::Export && verdict == Verdict::Ok && code == Some(PurposeCode::Legal);
    // A blank approval id names no approval.
    let cited = purpose
        .and_then(|p| p.approval.as_deref())
        .map(str::trim)
        .filter(|a| !a.is_empty());
    let approval_ok = cited.is_some_and(|id| world.cite_approval(id, emp, &cfg.world));
    let approved = kind == AccessKind::Export && approval_ok;
    // An order view of a seller the employee serves (see
    // `WorldConfig::served_seller_days`): the seller's own business.
    let served_order = kind == AccessKind::Order
        && ev
            .attr_str("seller")
            .and_then(|s| world.sellers.get(s))
            .is_some_and(|s| world.serves(emp, s));
    let assignments = &world.emp[emp as usize].assignments;
    let valid = matches!(
        verdict,
        Verdict::Ok | Verdict::TeamTicket | Verdict::Unverified
    );
    let explained = customers
        .iter()
        .map(|&c| {
            legal_ok
                || approved
                || served_order
                || matches!(verdict, Verdict::Unverified | Verdict::SharedRecord)
                || ticket_customer == Some(c)
                || assignments.iter().any(|a| a.customer == Some(c))
                || (valid
                    && ticket_seller
                        .is_some_and(|s| world.cust[c as usize].rel.iter().any(|r| r.0 == s)))
        })
        .collect();
    Some(Access {
        emp,
        kind,
        customers,
        explained,
        verdict,
        legal_ok,
        approved,
    })
}

/// `verdict`, or [`Verdict::SharedRecord`] for a look-up without purpose
/// (a view or an order view) of customers who are all shared records as
/// the engine knew them before this event. Every such look-up is noted
/// for the customers' shared-record count.
fn shared_record(
    world: &mut World,
    emp: u32,
    kind: AccessKind,
    customers: &[u32],
    verdict: Verdict,
    cfg: &DetectConfig,
) -> Verdict {
    let w = &cfg.world;
    if w.shared_record_employees == 0
        || !verdict.is_violation()
        || !matches!(kind, AccessKind::View | AccessKind::Order)
    {
        return verdict;
    }
    let shared = customers.iter().all(|&c| world.is_shared_record(c, w));
    for &c in customers {
        world.note_look_without_purpose(c, emp, w);
    }
    if shared {
        Verdict::SharedRecord
    } else {
        verdict
    }
}
