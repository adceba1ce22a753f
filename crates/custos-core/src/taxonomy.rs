//! The action taxonomy of `contract/EVENTS.md`: which actions exist, who
//! may perform them and what they must be done to.

use crate::event::{ActorType, TargetType};
use std::fmt;

/// An action from the taxonomy, or a custom `x.` action.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    // Employee actions.
    CustomerView,
    CustomerSearch,
    CustomerExport,
    OrderView,
    ReviewDelete,
    ReviewRestore,
    AccountSuspend,
    AccountReactivate,
    TicketAssign,
    AuthLogin,
    // Marketplace facts.
    ReviewCreate,
    OrderCreate,
    TicketOpen,
    TicketClose,
    AccountBan,
    // HR and identity facts.
    EmployeeHire,
    EmployeeChange,
    EmployeeLeave,
    // Custos's own events.
    GuardDecide,
    HoneytokenPlant,
    CustosAccess,
    /// A custom action; the string keeps its `x.` prefix.
    Custom(String),
}

/// What an action requires of its target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetRule {
    /// No target expected (it may still be given).
    Optional,
    /// A target of one of these types is required.
    Required(&'static [TargetType]),
}

const KNOWN: &[(&str, Action)] = &[
    ("customer.view", Action::CustomerView),
    ("customer.search", Action::CustomerSearch),
    ("customer.export", Action::CustomerExport),
    ("order.view", Action::OrderView),
    ("review.delete", Action::ReviewDelete),
    ("review.restore", Action::ReviewRestore),
    ("account.suspend", Action::AccountSuspend),
    ("account.reactivate", Action::AccountReactivate),
    ("ticket.assign", Action::TicketAssign),
    ("auth.login", Action::AuthLogin),
    ("review.create", Action::ReviewCreate),
    ("order.create", Action::OrderCreate),
    ("ticket.open", Action::TicketOpen),
    ("ticket.close", Action::TicketClose),
    ("account.ban", Action::AccountBan),
    ("employee.hire", Action::EmployeeHire),
    ("employee.change", Action::EmployeeChange),
    ("employee.leave", Action::EmployeeLeave),
    ("guard.decide", Action::GuardDecide),
    ("honeytoken.plant", Action::HoneytokenPlant),
    ("custos.access", Action::CustosAccess),
];

impl Action {
    /// Parses an action name; `None` for an unknown name without the `x.`
    /// prefix (or a bare `x.`).
    pub fn parse(s: &str) -> Option<Action> {
        if let Some((_, a)) = KNOWN.iter().find(|(name, _)| *name == s) {
            return Some(a.clone());
        }
        if s.len() > 2 && s.starts_with("x.") {
            return Some(Action::Custom(s.to_owned()));
        }
        None
    }

    pub fn as_str(&self) -> &str {
        if let Action::Custom(s) = self {
            return s;
        }
        KNOWN
            .iter()
            .find(|(_, a)| a == self)
            .map(|(name, _)| *name)
            .unwrap_or("unknown")
    }

    /// The names of all taxonomy actions, for error messages and docs.
    pub fn known_names() -> impl Iterator<Item = &'static str> {
        KNOWN.iter().map(|(name, _)| *name)
    }

    /// Actor types allowed to perform the action (`None`: any).
    pub fn allowed_actors(&self) -> Option<&'static [ActorType]> {
        use Action::*;
        use ActorType as A;
        Some(match self {
            CustomerView | CustomerSearch | CustomerExport | OrderView | ReviewDelete
            | ReviewRestore | AccountSuspend | AccountReactivate | TicketAssign => &[A::Employee],
            AuthLogin => &[A::Employee],
            ReviewCreate | OrderCreate => &[A::Customer],
            TicketOpen => &[A::Customer, A::Seller, A::System],
            TicketClose => &[A::System, A::Employee],
            AccountBan | EmployeeHire | EmployeeChange | EmployeeLeave | HoneytokenPlant => {
                &[A::System]
            }
            GuardDecide | CustosAccess | Custom(_) => return None,
        })
    }

    pub fn target_rule(&self) -> TargetRule {
        use Action::*;
        use TargetRule::*;
        use TargetType as T;
        match self {
            CustomerView | HoneytokenPlant => Required(&[T::Customer]),
            OrderView | OrderCreate => Required(&[T::Order]),
            ReviewDelete | ReviewRestore | ReviewCreate => Required(&[T::Review]),
            AccountSuspend | AccountReactivate | AccountBan => Required(&[T::Seller, T::Customer]),
            TicketAssign | TicketOpen | TicketClose => Required(&[T::Ticket]),
            EmployeeHire | EmployeeChange | EmployeeLeave => Required(&[T::Employee]),
            CustomerSearch | CustomerExport | AuthLogin | GuardDecide | CustosAccess
            | Custom(_) => Optional,
        }
    }

    /// Whether the action discloses customer data to its actor: the
    /// accesses that breach scope, purpose binding and access
    /// transparency are about.
    pub fn discloses_customer_data(&self) -> bool {
        matches!(
            self,
            Action::CustomerView
                | Action::CustomerSearch
                | Action::CustomerExport
                | Action::OrderView
        )
    }

    /// Whether the action is a bulk action whose `targets` list customers.
    pub fn is_bulk(&self) -> bool {
        matches!(self, Action::CustomerSearch | Action::CustomerExport)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_name_round_trips() {
        for name in Action::known_names() {
            let a = Action::parse(name).unwrap();
            assert_eq!(a.as_str(), name);
        }
    }

    #[test]
    fn custom_actions_need_the_prefix() {
        assert_eq!(
            Action::parse("x.billing.refund"),
            Some(Action::Custom("x.billing.refund".into()))
        );
        assert_eq!(Action::parse("x."), None);
        assert_eq!(Action::parse("customer.delete"), None);
    }
}
