//! The decision: facts and request in, Cedar in the middle, a verdict
//! with reasons out. No clock: the caller says what time it is.

use crate::approvals::{self, Approval};
use crate::book::DisclosureBook;
use crate::cache::FactCache;
use crate::decision::{ApprovalRef, DecideRequest, Decision, Verdict};
use crate::facts::{BookFacts, EmployeeFacts, Facts, FactsError, StoreFacts};
use crate::policy::{self, Policies, PolicyErrors, PolicySource};
use cedar_policy::{
    Authorizer, Context, Decision as CedarDecision, Entities, Entity, EntityId, EntityTypeName,
    EntityUid, Request, Schema,
};
use cedar_policy_core::ast as core_ast;
use cedar_policy_core::entities::{Entities as CoreEntities, NoEntitiesSchema, TCComputation};
use cedar_policy_core::extensions::Extensions;
use custos_core::time::MS_PER_DAY;
use custos_core::{Action, ActorType, Event, PurposeCode, TargetType, Timestamp};
use custos_store::Store;
use ref_cast::RefCast;
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

#[derive(Debug, thiserror::Error)]
pub enum GuardError {
    /// The request cannot be decided as sent.
    #[error("{0}")]
    BadRequest(String),
    #[error("no approval `{0}`")]
    ApprovalNotFound(String),
    /// The approval is past the point where it can be decided.
    #[error("approval `{id}` is {status}; only a pending approval can be granted or denied")]
    ApprovalClosed { id: String, status: String },
    /// The would-be approver may not decide this request.
    #[error("{}", .reasons.join("; "))]
    NotEligible {
        reasons: Vec<String>,
        policies: Vec<String>,
    },
    #[error(transparent)]
    Facts(#[from] FactsError),
    #[error("cannot build the policy request: {0}")]
    Cedar(String),
}

/// Tunables of the guard (`[guard]` of `custos.toml`). The policies read
/// them from the request context (`context.quota`, `context.four_eyes`),
/// so a deployment tunes them without editing policies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuardConfig {
    /// Distinct customers beyond ticket scope an employee may see per hour.
    pub hour_limit: i64,
    /// ... and per day.
    pub day_limit: i64,
    /// How long an approval request stays open.
    pub approval_ttl_ms: i64,
    /// Which team lead may approve a four-eyes request.
    pub approver_team: ApproverTeam,
}

impl Default for GuardConfig {
    fn default() -> Self {
        GuardConfig {
            hour_limit: 10,
            day_limit: 30,
            approval_ttl_ms: MS_PER_DAY,
            approver_team: ApproverTeam::Any,
        }
    }
}

impl GuardConfig {
    /// Every problem of the values, each naming its key under `guard.`.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (key, v) in [
            ("hour_limit", self.hour_limit),
            ("day_limit", self.day_limit),
        ] {
            if !(1..=1_000_000).contains(&v) {
                out.push(format!("`guard.{key}` is {v}; use 1 to 1000000"));
            }
        }
        if self.hour_limit > self.day_limit {
            out.push(format!(
                "`guard.hour_limit` ({}) is above `guard.day_limit` ({}); the day limit would never be reached first",
                self.hour_limit, self.day_limit
            ));
        }
        if !(60_000..=30 * MS_PER_DAY).contains(&self.approval_ttl_ms) {
            out.push(format!(
                "`guard.approval_ttl_minutes` is {}; use 1 to 43200 (30 days)",
                self.approval_ttl_ms / 60_000
            ));
        }
        out
    }
}

/// Separation of duties for four-eyes approvals, beyond "a team lead
/// other than the requester" which the policies always demand.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ApproverTeam {
    /// Any team lead (the default).
    #[default]
    Any,
    /// A team lead of the requester's own team, who knows the work.
    Same,
    /// A team lead of another team, who does not share its interests.
    Other,
}

impl ApproverTeam {
    pub const NAMES: [&'static str; 3] = ["any", "same", "other"];

    pub fn as_str(self) -> &'static str {
        match self {
            ApproverTeam::Any => "any",
            ApproverTeam::Same => "same",
            ApproverTeam::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<ApproverTeam> {
        match s {
            "any" => Some(ApproverTeam::Any),
            "same" => Some(ApproverTeam::Same),
            "other" => Some(ApproverTeam::Other),
            _ => None,
        }
    }
}

struct Types {
    employee: EntityTypeName,
    customer: EntityTypeName,
    ticket: EntityTypeName,
    record: EntityTypeName,
    review: EntityTypeName,
    account: EntityTypeName,
    approval: EntityTypeName,
    action: EntityTypeName,
}

impl Types {
    fn new() -> Result<Types, String> {
        let t = |s: &str| EntityTypeName::from_str(s).map_err(|e| e.to_string());
        Ok(Types {
            employee: t("Custos::Employee")?,
            customer: t("Custos::Customer")?,
            ticket: t("Custos::Ticket")?,
            record: t("Custos::Record")?,
            review: t("Custos::Review")?,
            account: t("Custos::Account")?,
            approval: t("Custos::Approval")?,
            action: t("Custos::Action")?,
        })
    }

    fn uid(ty: &EntityTypeName, id: &str) -> EntityUid {
        EntityUid::from_type_name_and_id(ty.clone(), EntityId::new(id))
    }
}

/// The guard: a validated policy set that can be swapped while serving.
pub struct Guard {
    schema: Schema,
    types: Types,
    policies: RwLock<Arc<Policies>>,
    config: GuardConfig,
    authorizer: Authorizer,
    /// The schema's action entities, each with its groups: a request
    /// carries only its own action instead of the schema adding them all.
    action_entities: HashMap<EntityUid, CoreEntity>,
    /// Whether each request and its entities are checked against the
    /// schema. Debug builds (every test) check; release builds trust the
    /// builders the tests checked, as the check costs more than the
    /// facts. A request that still did not fit would make a policy fail
    /// to evaluate, and that denies.
    check_requests: bool,
    memory: Mutex<Memory>,
}

/// What the guard keeps between decisions, under one lock: a deciding
/// thread holds it from its fact reads to its book update, and
/// [`Guard::observe`] takes it for each committed event (see
/// `cache.rs` for why the fact cache needs that).
#[derive(Default)]
struct Memory {
    book: DisclosureBook,
    facts: FactCache,
}

/// A request with its facts gathered, ready for Cedar.
pub struct Prepared {
    request: Request,
    /// Built by `cedar-policy-core` with the transitive closure taken as
    /// given (see [`Guard::finish`]); Cedar's API type is a view of it.
    entities: CoreEntities,
    /// Set for four-eyes actions that name an approval.
    approval: Option<String>,
    /// What an approval of this request is for, as `type:id`.
    target: String,
    /// The customers the request would show beyond ticket scope.
    beyond: Vec<String>,
    /// The purpose code it cites ("" for none), which selects the
    /// policies limited by `@purpose_codes`.
    code: &'static str,
}

// Entities and context are built from Cedar values (`cedar-policy-core`),
// as `Entity::new` and `Context::from_pairs` would make them of restricted
// expressions, without Cedar evaluating each expression per request.
type Value = core_ast::Value;
type CoreEntity = core_ast::Entity;

fn s(v: &str) -> Value {
    Value::from(v)
}

fn uid_value(uid: EntityUid) -> Value {
    Value::from(AsRef::<core_ast::EntityUID>::as_ref(&uid).clone())
}

fn entity(uid: EntityUid, attrs: Vec<(&str, Value)>) -> CoreEntity {
    CoreEntity::new_with_attr_partial_value(
        AsRef::<core_ast::EntityUID>::as_ref(&uid).clone(),
        attrs
            .into_iter()
            .map(|(k, v)| (k.into(), core_ast::PartialValue::Value(v))),
        HashSet::new(),
        HashSet::new(),
        [],
    )
}

/// The actions the guard decides, as the schema names them.
pub const DECIDED_ACTIONS: &[&str] = &[
    "customer.view",
    "order.view",
    "customer.search",
    "customer.export",
    "review.delete",
    "account.reactivate",
];

fn is_four_eyes(a: &Action) -> bool {
    matches!(
        a,
        Action::ReviewDelete | Action::AccountReactivate | Action::CustomerExport
    )
}

impl Guard {
    /// A guard over `sources`, validated strictly against the schema.
    pub fn new(config: GuardConfig, sources: &[PolicySource]) -> Result<Guard, PolicyErrors> {
        let schema = policy::schema()?;
        let policies = policy::load(&schema, sources)?;
        let types = Types::new().map_err(|m| {
            PolicyErrors(vec![policy::PolicyProblem {
                file: "custos.cedarschema".into(),
                line: 0,
                column: 0,
                policy: None,
                message: m,
            }])
        })?;
        let action_entities = schema
            .action_entities()
            .map_err(|e| {
                PolicyErrors(vec![policy::PolicyProblem {
                    file: "custos.cedarschema".into(),
                    line: 0,
                    column: 0,
                    policy: None,
                    message: e.to_string(),
                }])
            })?
            .into_iter()
            .map(|e| (e.uid(), AsRef::<CoreEntity>::as_ref(&e).clone()))
            .collect();
        Ok(Guard {
            schema,
            types,
            policies: RwLock::new(Arc::new(policies)),
            config,
            authorizer: Authorizer::new(),
            action_entities,
            check_requests: cfg!(debug_assertions),
            memory: Mutex::new(Memory::default()),
        })
    }

    /// Turns the schema check of every request on or off (see
    /// `check_requests`); for measuring what it costs.
    pub fn check_requests(&mut self, on: bool) {
        self.check_requests = on;
    }

    fn memory(&self) -> MutexGuard<'_, Memory> {
        // The book holds counts only, and the fact cache whole entries;
        // either left by a panic elsewhere is still usable.
        self.memory.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Fills the disclosure book from the store: every employee's
    /// customers beyond ticket scope in the day before `now`. From then
    /// on [`Guard::decide_in`] counts quotas in the book, which must be
    /// fed every committed event through [`Guard::observe`].
    pub fn warm_book(&self, store: &dyn Store, now: Timestamp) -> Result<usize, GuardError> {
        let facts = StoreFacts::new(store);
        let window =
            custos_store::TimeWindow::new(now.plus_millis(-MS_PER_DAY), now.plus_millis(1));
        let mut fresh = DisclosureBook::default();
        let mut n = 0;
        for e in store.employees().map_err(FactsError::from)? {
            for (customer, time) in facts.disclosed_beyond_scope(&e.id, window)? {
                fresh.record(&e.id, &customer, time);
                n += 1;
            }
        }
        fresh.warm = true;
        self.memory().book = fresh;
        Ok(n)
    }

    /// Turns the fact cache on, filled with the store's employees: from
    /// then on [`Guard::decide_in`] reads employees and tickets from
    /// memory, and the store only on a miss. Only for a guard that is fed
    /// every event committed to `store` through [`Guard::observe`] before
    /// the event's sender hears back; a change it does not see would
    /// leave a stale fact in force.
    pub fn warm_facts(&self, store: &dyn Store) -> Result<usize, GuardError> {
        let mut fresh = FactCache::default();
        let mut n = 0;
        for e in store.employees().map_err(FactsError::from)? {
            let id = e.id.clone();
            fresh.fill_employee(&id, Some(EmployeeFacts::from(e)));
            n += 1;
        }
        fresh.on = true;
        self.memory().facts = fresh;
        Ok(n)
    }

    /// Notes a committed event: a disclosure to an employee beyond the
    /// scope of their ticket goes into the disclosure book. `facts` must
    /// already hold the event (its ticket is read there).
    pub fn observe(&self, event: &Event, facts: &dyn Facts) -> Result<(), FactsError> {
        {
            let mut memory = self.memory();
            if memory.facts.on {
                memory.facts.forget(event);
            }
        }
        if event.actor.kind != ActorType::Employee {
            return Ok(());
        }
        let customers = event.disclosed_customers();
        if customers.is_empty() {
            return Ok(());
        }
        let ticket = match event.purpose.as_ref().and_then(|p| p.ticket.as_deref()) {
            Some(t) => facts.ticket(t)?,
            None => None,
        };
        let me = event.actor.id.as_str();
        let mut memory = self.memory();
        let book = &mut memory.book;
        for c in customers {
            let in_scope = ticket.as_ref().is_some_and(|t| {
                t.customer.as_deref() == Some(c) && t.assignee.as_deref() == Some(me)
            });
            if !in_scope {
                book.record(me, c, event.time);
            }
        }
        Ok(())
    }

    /// A guard with the shipped default policies.
    pub fn with_defaults(config: GuardConfig) -> Result<Guard, PolicyErrors> {
        Guard::new(config, &[PolicySource::default_policies()])
    }

    /// Checks policy files without a guard: the problems, or the set.
    pub fn check(sources: &[PolicySource]) -> Result<Policies, PolicyErrors> {
        let schema = policy::schema()?;
        policy::load(&schema, sources)
    }

    /// Replaces the policies; on any problem the current set stays.
    pub fn reload(&self, sources: &[PolicySource]) -> Result<usize, PolicyErrors> {
        let loaded = policy::load(&self.schema, sources)?;
        let n = loaded.len();
        let mut current = self.policies.write().unwrap_or_else(|p| p.into_inner());
        *current = Arc::new(loaded);
        Ok(n)
    }

    /// The policies in force.
    pub fn policies(&self) -> Arc<Policies> {
        self.policies
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn config(&self) -> &GuardConfig {
        &self.config
    }

    fn employee_entity(
        &self,
        id: &str,
        facts: Option<&EmployeeFacts>,
    ) -> Result<CoreEntity, GuardError> {
        let (status, role, team) = match facts {
            Some(e) => (
                e.status.as_str(),
                e.role.as_deref().unwrap_or(""),
                e.team.as_deref().unwrap_or(""),
            ),
            None => ("unknown", "", ""),
        };
        Ok(entity(
            Types::uid(&self.types.employee, id),
            vec![("status", s(status)), ("role", s(role)), ("team", s(team))],
        ))
    }

    fn approval_entity(&self, a: &Approval) -> Result<CoreEntity, GuardError> {
        let mut attrs = vec![
            (
                "requester",
                uid_value(Types::uid(&self.types.employee, &a.requester)),
            ),
            ("request_action", s(&a.action)),
            ("request_target", s(&a.target)),
            ("status", s(a.status.as_str())),
            ("expires", Value::from(a.expires.millis())),
        ];
        if let Some(by) = &a.approver {
            attrs.push(("approver", uid_value(Types::uid(&self.types.employee, by))));
        }
        Ok(entity(Types::uid(&self.types.approval, &a.id), attrs))
    }

    // Private builders that mirror the schema's context and request one to
    // one; a struct per call would only rename the same fields.
    #[allow(clippy::too_many_arguments)]
    fn context(
        &self,
        now: Timestamp,
        action: &str,
        target: &str,
        purpose: (&str, &str),
        quota: [i64; 3],
        ticket: Option<EntityUid>,
        approval: Option<EntityUid>,
    ) -> Result<Context, GuardError> {
        // Built from values: the same record `Context::from_pairs` makes
        // of restricted expressions, without Cedar evaluating each one.
        type V = core_ast::Value;
        let text = |v: &str| V::from(v);
        let uid = |u: EntityUid| V::from(AsRef::<core_ast::EntityUID>::as_ref(&u).clone());
        let mut pairs = vec![
            ("now", V::from(now.millis())),
            ("request_action", text(action)),
            ("request_target", text(target)),
            (
                "purpose",
                V::record(
                    [("code", text(purpose.0)), ("reason", text(purpose.1))],
                    None,
                ),
            ),
            (
                "quota",
                V::record(
                    [
                        ("added", V::from(quota[0])),
                        ("hour", V::from(quota[1])),
                        ("day", V::from(quota[2])),
                        ("hour_limit", V::from(self.config.hour_limit)),
                        ("day_limit", V::from(self.config.day_limit)),
                    ],
                    None,
                ),
            ),
            (
                "four_eyes",
                V::record(
                    [("approver_team", text(self.config.approver_team.as_str()))],
                    None,
                ),
            ),
        ];
        if let Some(t) = ticket {
            pairs.push(("ticket", uid(t)));
        }
        if let Some(a) = approval {
            pairs.push(("approval", uid(a)));
        }
        let record = core_ast::Context::Value(Arc::new(
            pairs.into_iter().map(|(k, v)| (k.into(), v)).collect(),
        ));
        Ok(Context::ref_cast(&record).clone())
    }

    fn action_uid(&self, name: &str) -> EntityUid {
        Types::uid(&self.types.action, name)
    }

    /// Gathers the facts of a request: everything up to Cedar.
    pub fn prepare(
        &self,
        req: &DecideRequest,
        facts: &dyn Facts,
        now: Timestamp,
    ) -> Result<Prepared, GuardError> {
        if req.actor.kind != ActorType::Employee {
            return Err(GuardError::BadRequest(format!(
                "`actor.type` is `{}`; the guard decides for employees only",
                req.actor.kind
            )));
        }
        let action = req.action.as_str();
        if !DECIDED_ACTIONS.contains(&action) {
            return Err(GuardError::BadRequest(format!(
                "the guard does not decide `{action}`; it decides {}",
                DECIDED_ACTIONS.join(", ")
            )));
        }
        let me = req.actor.id.as_str();
        let employee = facts.employee(me)?;
        let mut entities = vec![self.employee_entity(me, employee.as_ref())?];

        let target_of = |kind: TargetType| -> Result<&str, GuardError> {
            req.target
                .as_ref()
                .filter(|t| t.kind == kind)
                .map(|t| t.id.as_str())
                .ok_or_else(|| {
                    GuardError::BadRequest(format!("`{action}` needs `target` of type `{kind}`"))
                })
        };
        // The customers whose records the action would disclose.
        let customers: Option<BTreeSet<String>> = match req.action {
            Action::CustomerView => Some([target_of(TargetType::Customer)?.to_owned()].into()),
            Action::OrderView => {
                let order = target_of(TargetType::Order)?;
                let customer = match facts.order_customer(order)? {
                    Some(c) => c,
                    None => req
                        .attrs
                        .as_ref()
                        .and_then(|a| a.get("customer"))
                        .and_then(|v| v.as_str())
                        .map(str::to_owned)
                        .ok_or_else(|| {
                            GuardError::BadRequest(format!(
                                "order `{order}` is unknown to Custos; send its customer as `attrs.customer`"
                            ))
                        })?,
                };
                Some([customer].into())
            }
            Action::CustomerSearch | Action::CustomerExport => {
                Some(req.targets.iter().flatten().cloned().collect())
            }
            _ => None,
        };
        let (resource, target_key) = match (&req.action, &customers) {
            (_, Some(customers)) => {
                let key = match &req.target {
                    Some(t) => format!("{}:{}", t.kind, t.id),
                    None => format!(
                        "customers:{}",
                        customers.iter().cloned().collect::<Vec<_>>().join(",")
                    ),
                };
                let set = Value::set(
                    customers
                        .iter()
                        .map(|c| uid_value(Types::uid(&self.types.customer, c))),
                    None,
                );
                let uid = Types::uid(&self.types.record, &key);
                entities.push(entity(uid.clone(), vec![("customers", set)]));
                (uid, key)
            }
            (Action::ReviewDelete, None) => {
                let id = target_of(TargetType::Review)?;
                let uid = Types::uid(&self.types.review, id);
                entities.push(entity(uid.clone(), Vec::new()));
                (uid, format!("review:{id}"))
            }
            (_, None) => {
                let t = req
                    .target
                    .as_ref()
                    .filter(|t| matches!(t.kind, TargetType::Seller | TargetType::Customer))
                    .ok_or_else(|| {
                        GuardError::BadRequest(format!(
                            "`{action}` needs `target` of type `seller` or `customer`"
                        ))
                    })?;
                let uid = Types::uid(&self.types.account, &t.id);
                entities.push(entity(uid.clone(), vec![("kind", s(t.kind.as_str()))]));
                (uid, format!("{}:{}", t.kind, t.id))
            }
        };

        let purpose = req.purpose.clone().unwrap_or_default();
        let code = purpose.code.map_or("", PurposeCode::as_str);
        let reason = purpose.reason.as_deref().map_or("", str::trim);

        let ticket = match &purpose.ticket {
            Some(id) => facts.ticket(id)?,
            None => None,
        };
        let ticket_uid = match &ticket {
            Some(t) => {
                let uid = Types::uid(&self.types.ticket, &t.id);
                let mut attrs = vec![("status", s(if t.open { "open" } else { "closed" }))];
                if let Some(a) = &t.assignee {
                    attrs.push(("assignee", uid_value(Types::uid(&self.types.employee, a))));
                }
                if let Some(c) = &t.customer {
                    attrs.push(("customer", uid_value(Types::uid(&self.types.customer, c))));
                }
                entities.push(entity(uid.clone(), attrs));
                Some(uid)
            }
            None => None,
        };

        let mut approval_id = None;
        let approval_uid = match &purpose.approval {
            Some(id) if is_four_eyes(&req.action) => {
                let a = facts
                    .approval(id)?
                    .ok_or_else(|| GuardError::ApprovalNotFound(id.clone()))?;
                entities.push(self.approval_entity(&a)?);
                if let Some(by) = a.approver.as_deref().filter(|by| *by != me) {
                    entities.push(self.employee_entity(by, facts.employee(by)?.as_ref())?);
                }
                approval_id = Some(a.id.clone());
                Some(Types::uid(&self.types.approval, &a.id))
            }
            _ => None,
        };

        // Customers beyond ticket scope: what this request would add to
        // what the employee saw in the last hour and day.
        let mut beyond: Vec<String> = Vec::new();
        let quota = match &customers {
            Some(customers) => {
                let in_scope = |c: &str| {
                    ticket.as_ref().is_some_and(|t| {
                        t.open
                            && t.assignee.as_deref() == Some(me)
                            && t.customer.as_deref() == Some(c)
                    })
                };
                beyond = customers.iter().filter(|c| !in_scope(c)).cloned().collect();
                if beyond.is_empty() {
                    [0, 0, 0]
                } else {
                    let b: Vec<&str> = beyond.iter().map(String::as_str).collect();
                    facts.quota_counts(me, &b, now)?
                }
            }
            None => [0, 0, 0],
        };

        let context = self.context(
            now,
            action,
            &target_key,
            (code, reason),
            quota,
            ticket_uid,
            approval_uid,
        )?;
        let principal = Types::uid(&self.types.employee, me);
        let mut p = self.finish(
            principal,
            action,
            resource,
            context,
            entities,
            approval_id,
            target_key,
        )?;
        p.beyond = beyond;
        p.code = code;
        Ok(p)
    }

    #[allow(clippy::too_many_arguments)]
    fn finish(
        &self,
        principal: EntityUid,
        action: &str,
        resource: EntityUid,
        context: Context,
        entities: Vec<CoreEntity>,
        approval: Option<String>,
        target: String,
    ) -> Result<Prepared, GuardError> {
        let schema = self.check_requests.then_some(&self.schema);
        let action = self.action_uid(action);
        let mut entities = entities;
        if let Some(a) = self.action_entities.get(&action) {
            entities.push(a.clone());
        }
        let request = Request::new(principal, action, resource, context, schema)
            .map_err(|e| GuardError::Cedar(e.to_string()))?;
        if let Some(schema) = schema {
            // The check alone: the entities decided on are built below.
            Entities::from_entities(
                entities.iter().map(|e| Entity::ref_cast(e).clone()),
                Some(schema),
            )
            .map_err(|e| GuardError::Cedar(e.to_string()))?;
        }
        // Cedar's API computes the transitive closure of the entities on
        // every request (a sixth of a decision's instructions). Only the
        // action entity has ancestors here, and the schema's action
        // entities come with theirs closed, so it is taken as given.
        let entities = CoreEntities::from_entities(
            entities,
            None::<&NoEntitiesSchema>,
            TCComputation::AssumeAlreadyComputed,
            Extensions::all_available(),
        )
        .map_err(|e| GuardError::Cedar(e.to_string()))?;
        Ok(Prepared {
            request,
            entities,
            approval,
            target,
            beyond: Vec::new(),
            code: "",
        })
    }

    /// Runs the policies on a prepared request: Cedar, then the verdict.
    pub fn evaluate(&self, p: &Prepared) -> Decision {
        let policies = self.policies();
        let set = match p.request.action() {
            Some(a) => policies.for_request(a, p.code),
            None => &policies.set,
        };
        let entities = Entities::ref_cast(&p.entities);
        let response = self.authorizer.is_authorized(&p.request, set, entities);
        let diag = response.diagnostics();
        let mut ids: Vec<_> = diag.reason().cloned().collect();
        ids.sort();
        let errors: Vec<String> = diag
            .errors()
            .map(|e| format!("a policy could not be evaluated: {e}"))
            .collect();
        let meta = |id: &cedar_policy::PolicyId| policies.meta.get(id).cloned().unwrap_or_default();
        let mut reasons = Vec::new();
        let mut obligations = Vec::new();
        let mut policy_ids = Vec::new();
        let verdict = if !errors.is_empty() {
            // A forbid that failed to evaluate must not let anything through.
            reasons = errors;
            policy_ids = ids.iter().map(ToString::to_string).collect();
            Verdict::Deny
        } else if response.decision() == CedarDecision::Allow {
            for id in &ids {
                let m = meta(id);
                reasons.extend(m.reason);
                for o in m.obligations {
                    if !obligations.contains(&o) {
                        obligations.push(o);
                    }
                }
                policy_ids.push(id.to_string());
            }
            Verdict::Allow
        } else if ids.is_empty() {
            reasons.push("no policy allows this action here".to_owned());
            Verdict::Deny
        } else {
            let hard: Vec<_> = ids.iter().filter(|id| !meta(id).needs_approval).collect();
            let deciding: Vec<_> = if hard.is_empty() {
                ids.iter().collect()
            } else {
                hard.clone()
            };
            for id in deciding {
                reasons.extend(meta(id).reason);
                policy_ids.push(id.to_string());
            }
            if hard.is_empty() {
                Verdict::NeedsApproval
            } else {
                Verdict::Deny
            }
        };
        Decision {
            decision: verdict,
            reasons,
            obligations,
            policies: policy_ids,
            approval: None,
            consumes_approval: match verdict {
                Verdict::Allow => p.approval.clone(),
                _ => None,
            },
        }
    }

    /// Decides a request with the facts given. Pure: no I/O of its own.
    pub fn decide(
        &self,
        req: &DecideRequest,
        facts: &dyn Facts,
        now: Timestamp,
    ) -> Result<Decision, GuardError> {
        let p = self.prepare(req, facts, now)?;
        Ok(self.evaluate(&p))
    }

    /// Decides with the store's facts and keeps the approval book: a
    /// `needs_approval` opens (or reuses) a request, an allow that used an
    /// approval marks it used so it allows nothing more. The caller must
    /// not run two of these on the same store at once.
    pub fn decide_in(
        &self,
        store: &mut dyn Store,
        req: &DecideRequest,
        now: Timestamp,
    ) -> Result<Decision, GuardError> {
        let (mut d, target) = {
            let facts = StoreFacts::new(&*store);
            let mut memory = self.memory();
            let Memory { book, facts: cache } = &mut *memory;
            let p = self.prepare(
                req,
                &BookFacts {
                    inner: &facts,
                    book: book.warm.then_some(&*book),
                    cache: cache.on.then(|| RefCell::new(cache)),
                },
                now,
            )?;
            let d = self.evaluate(&p);
            // What the guard lets through counts at once, before the tool's
            // own event arrives: a burst of requests cannot all slip under
            // the quota.
            if d.decision == Verdict::Allow {
                for c in &p.beyond {
                    book.record(&req.actor.id, c, now);
                }
            }
            (d, p.target)
        };
        match d.decision {
            Verdict::NeedsApproval => {
                let a = approvals::request(
                    store,
                    &req.actor.id,
                    req.action.as_str(),
                    &target,
                    now,
                    self.config.approval_ttl_ms,
                )?;
                d.approval = Some(ApprovalRef {
                    status: a.status_at(now).to_owned(),
                    id: a.id,
                });
            }
            Verdict::Allow => {
                if let Some(id) = &d.consumes_approval {
                    let a = approvals::load(&*store, id)?
                        .ok_or_else(|| GuardError::ApprovalNotFound(id.clone()))?;
                    let a = approvals::mark_used(store, a, now)?;
                    d.approval = Some(ApprovalRef {
                        status: a.status_at(now).to_owned(),
                        id: a.id,
                    });
                }
            }
            Verdict::Deny => {}
        }
        Ok(d)
    }

    /// Whether an employee actor's event stating `role` and `team` (each
    /// `None`: not stated) would leave the employee as a decision reads
    /// them: known to the store, with the role and team stated. The store
    /// creates an employee it does not know from such an event and takes
    /// a stated role or team (`custos_store::FactUpdate::EmployeeSeen`),
    /// so an event for which this is false changes what the next decision
    /// sees once committed. Read as [`Guard::decide_in`] reads, through
    /// the fact cache.
    pub fn holds_employee(
        &self,
        store: &dyn Store,
        id: &str,
        role: Option<&str>,
        team: Option<&str>,
    ) -> Result<bool, GuardError> {
        let same = |stated: Option<&str>, held: &Option<String>| {
            stated.is_none_or(|s| Some(s) == held.as_deref())
        };
        self.with_facts(store, |facts| {
            Ok(facts
                .employee(id)?
                .is_some_and(|e| same(role, &e.role) && same(team, &e.team)))
        })
    }

    /// Runs `f` with the facts as a decision reads them: the store behind
    /// the guard's memory (the disclosure book once warm, the fact cache
    /// when on).
    fn with_facts<T>(
        &self,
        store: &dyn Store,
        f: impl FnOnce(&BookFacts<'_>) -> Result<T, GuardError>,
    ) -> Result<T, GuardError> {
        let facts = StoreFacts::new(store);
        let mut memory = self.memory();
        let Memory { book, facts: cache } = &mut *memory;
        f(&BookFacts {
            inner: &facts,
            book: book.warm.then_some(&*book),
            cache: cache.on.then(|| RefCell::new(cache)),
        })
    }

    /// The fact reads of [`Guard::decide_in`] alone (employee, the
    /// purpose's ticket, the quota for the request's target customer),
    /// through the guard's memory as a decision makes them; for
    /// measuring what facts cost beside Cedar.
    #[doc(hidden)]
    pub fn facts_only(
        &self,
        store: &dyn Store,
        req: &DecideRequest,
        now: Timestamp,
    ) -> Result<[i64; 3], GuardError> {
        self.with_facts(store, |facts| {
            std::hint::black_box(facts.employee(&req.actor.id)?);
            if let Some(t) = req.purpose.as_ref().and_then(|p| p.ticket.as_deref()) {
                std::hint::black_box(facts.ticket(t)?);
            }
            let target: Vec<&str> = req.target.iter().map(|t| t.id.as_str()).collect();
            Ok(facts.quota_counts(&req.actor.id, &target, now)?)
        })
    }

    /// Whether `approver` may grant (or deny) approval `a`: a decision of
    /// the `approval.grant` / `approval.deny` policies.
    pub fn decide_approver(
        &self,
        approver: &str,
        a: &Approval,
        grant: bool,
        facts: &dyn Facts,
        now: Timestamp,
    ) -> Result<Decision, GuardError> {
        let employee = facts.employee(approver)?;
        let mut entities = vec![self.employee_entity(approver, employee.as_ref())?];
        if a.requester != approver {
            entities
                .push(self.employee_entity(&a.requester, facts.employee(&a.requester)?.as_ref())?);
        }
        entities.push(self.approval_entity(a)?);
        let action = if grant {
            "approval.grant"
        } else {
            "approval.deny"
        };
        let resource = Types::uid(&self.types.approval, &a.id);
        let context = self.context(
            now,
            &a.action,
            &a.target,
            ("", ""),
            [0, 0, 0],
            None,
            Some(resource.clone()),
        )?;
        let principal = Types::uid(&self.types.employee, approver);
        let p = self.finish(
            principal,
            action,
            resource,
            context,
            entities,
            None,
            a.target.clone(),
        )?;
        let mut d = self.evaluate(&p);
        d.consumes_approval = None;
        Ok(d)
    }

    /// Grants or denies a pending approval for `approver`, if the policies
    /// let them; [`GuardError::NotEligible`] with the reasons otherwise.
    pub fn settle(
        &self,
        store: &mut dyn Store,
        id: &str,
        approver: &str,
        grant: bool,
        reason: Option<String>,
        now: Timestamp,
    ) -> Result<Approval, GuardError> {
        let a = approvals::load(&*store, id)?
            .ok_or_else(|| GuardError::ApprovalNotFound(id.to_owned()))?;
        let status = a.status_at(now);
        if status != "pending" {
            return Err(GuardError::ApprovalClosed {
                id: id.to_owned(),
                status: status.to_owned(),
            });
        }
        let d = {
            let facts = StoreFacts::new(&*store);
            self.decide_approver(approver, &a, grant, &facts, now)?
        };
        if d.decision != Verdict::Allow {
            return Err(GuardError::NotEligible {
                reasons: d.reasons,
                policies: d.policies,
            });
        }
        Ok(approvals::decide(store, a, approver, grant, reason, now)?)
    }
}
