//! The decision: facts and request in, Cedar in the middle, a verdict
//! with reasons out. No clock: the caller says what time it is.

use crate::approvals::{self, Approval};
use crate::decision::{ApprovalRef, DecideRequest, Decision, Verdict};
use crate::facts::{EmployeeFacts, Facts, FactsError, StoreFacts};
use crate::policy::{self, Policies, PolicyErrors, PolicySource};
use cedar_policy::{
    Authorizer, Context, Decision as CedarDecision, Entities, Entity, EntityId, EntityTypeName,
    EntityUid, Request, RestrictedExpression, Schema,
};
use custos_core::time::{MS_PER_DAY, MS_PER_HOUR};
use custos_core::{Action, ActorType, PurposeCode, TargetType, Timestamp};
use custos_store::{Store, TimeWindow};
use std::collections::{BTreeSet, HashSet};
use std::str::FromStr;
use std::sync::{Arc, RwLock};

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

/// Tunables of the guard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuardConfig {
    /// Distinct customers beyond ticket scope an employee may see per hour.
    pub hour_limit: i64,
    /// ... and per day.
    pub day_limit: i64,
    /// How long an approval request stays open.
    pub approval_ttl_ms: i64,
}

impl Default for GuardConfig {
    fn default() -> Self {
        GuardConfig {
            hour_limit: 10,
            day_limit: 30,
            approval_ttl_ms: MS_PER_DAY,
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
}

/// A request with its facts gathered, ready for Cedar.
pub struct Prepared {
    request: Request,
    entities: Entities,
    /// Set for four-eyes actions that name an approval.
    approval: Option<String>,
    /// What an approval of this request is for, as `type:id`.
    target: String,
}

fn s(v: &str) -> RestrictedExpression {
    RestrictedExpression::new_string(v.to_owned())
}

fn record(fields: Vec<(&str, RestrictedExpression)>) -> Result<RestrictedExpression, GuardError> {
    RestrictedExpression::new_record(fields.into_iter().map(|(k, v)| (k.to_owned(), v)))
        .map_err(|e| GuardError::Cedar(e.to_string()))
}

fn entity(uid: EntityUid, attrs: Vec<(&str, RestrictedExpression)>) -> Result<Entity, GuardError> {
    Entity::new(
        uid,
        attrs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        HashSet::new(),
    )
    .map_err(|e| GuardError::Cedar(e.to_string()))
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
        Ok(Guard {
            schema,
            types,
            policies: RwLock::new(Arc::new(policies)),
            config,
            authorizer: Authorizer::new(),
        })
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
    ) -> Result<Entity, GuardError> {
        let (status, role, team) = match facts {
            Some(e) => (
                e.status.as_str(),
                e.role.as_deref().unwrap_or(""),
                e.team.as_deref().unwrap_or(""),
            ),
            None => ("unknown", "", ""),
        };
        entity(
            Types::uid(&self.types.employee, id),
            vec![("status", s(status)), ("role", s(role)), ("team", s(team))],
        )
    }

    fn approval_entity(&self, a: &Approval) -> Result<Entity, GuardError> {
        let mut attrs = vec![
            (
                "requester",
                RestrictedExpression::new_entity_uid(Types::uid(
                    &self.types.employee,
                    &a.requester,
                )),
            ),
            ("request_action", s(&a.action)),
            ("request_target", s(&a.target)),
            ("status", s(a.status.as_str())),
            (
                "expires",
                RestrictedExpression::new_long(a.expires.millis()),
            ),
        ];
        if let Some(by) = &a.approver {
            attrs.push((
                "approver",
                RestrictedExpression::new_entity_uid(Types::uid(&self.types.employee, by)),
            ));
        }
        entity(Types::uid(&self.types.approval, &a.id), attrs)
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
        let mut pairs = vec![
            (
                "now".to_owned(),
                RestrictedExpression::new_long(now.millis()),
            ),
            ("request_action".to_owned(), s(action)),
            ("request_target".to_owned(), s(target)),
            (
                "purpose".to_owned(),
                record(vec![("code", s(purpose.0)), ("reason", s(purpose.1))])?,
            ),
            (
                "quota".to_owned(),
                record(vec![
                    ("added", RestrictedExpression::new_long(quota[0])),
                    ("hour", RestrictedExpression::new_long(quota[1])),
                    ("day", RestrictedExpression::new_long(quota[2])),
                    (
                        "hour_limit",
                        RestrictedExpression::new_long(self.config.hour_limit),
                    ),
                    (
                        "day_limit",
                        RestrictedExpression::new_long(self.config.day_limit),
                    ),
                ])?,
            ),
        ];
        if let Some(t) = ticket {
            pairs.push(("ticket".to_owned(), RestrictedExpression::new_entity_uid(t)));
        }
        if let Some(a) = approval {
            pairs.push((
                "approval".to_owned(),
                RestrictedExpression::new_entity_uid(a),
            ));
        }
        Context::from_pairs(pairs).map_err(|e| GuardError::Cedar(e.to_string()))
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
                let set = RestrictedExpression::new_set(customers.iter().map(|c| {
                    RestrictedExpression::new_entity_uid(Types::uid(&self.types.customer, c))
                }));
                let uid = Types::uid(&self.types.record, &key);
                entities.push(entity(uid.clone(), vec![("customers", set)])?);
                (uid, key)
            }
            (Action::ReviewDelete, None) => {
                let id = target_of(TargetType::Review)?;
                let uid = Types::uid(&self.types.review, id);
                entities.push(Entity::new_no_attrs(uid.clone(), HashSet::new()));
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
                entities.push(entity(uid.clone(), vec![("kind", s(t.kind.as_str()))])?);
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
                    attrs.push((
                        "assignee",
                        RestrictedExpression::new_entity_uid(Types::uid(&self.types.employee, a)),
                    ));
                }
                if let Some(c) = &t.customer {
                    attrs.push((
                        "customer",
                        RestrictedExpression::new_entity_uid(Types::uid(&self.types.customer, c)),
                    ));
                }
                entities.push(entity(uid.clone(), attrs)?);
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
        let quota = match &customers {
            Some(customers) => {
                let in_scope = |c: &str| {
                    ticket.as_ref().is_some_and(|t| {
                        t.open
                            && t.assignee.as_deref() == Some(me)
                            && t.customer.as_deref() == Some(c)
                    })
                };
                let beyond: Vec<&String> = customers.iter().filter(|c| !in_scope(c)).collect();
                if beyond.is_empty() {
                    [0, 0, 0]
                } else {
                    let seen = facts.disclosed_beyond_scope(
                        me,
                        TimeWindow::new(now.plus_millis(-MS_PER_DAY), now.plus_millis(1)),
                    )?;
                    let hour_from = now.plus_millis(-MS_PER_HOUR);
                    let added = beyond
                        .iter()
                        .filter(|c| !seen.contains_key(c.as_str()))
                        .count() as i64;
                    let hour = seen.values().filter(|t| **t >= hour_from).count() as i64
                        + beyond
                            .iter()
                            .filter(|c| seen.get(c.as_str()).is_none_or(|t| *t < hour_from))
                            .count() as i64;
                    let day = seen.len() as i64 + added;
                    [added, hour, day]
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
        self.finish(
            principal,
            action,
            resource,
            context,
            entities,
            approval_id,
            target_key,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn finish(
        &self,
        principal: EntityUid,
        action: &str,
        resource: EntityUid,
        context: Context,
        entities: Vec<Entity>,
        approval: Option<String>,
        target: String,
    ) -> Result<Prepared, GuardError> {
        let request = Request::new(
            principal,
            self.action_uid(action),
            resource,
            context,
            Some(&self.schema),
        )
        .map_err(|e| GuardError::Cedar(e.to_string()))?;
        let entities = Entities::from_entities(entities, Some(&self.schema))
            .map_err(|e| GuardError::Cedar(e.to_string()))?;
        Ok(Prepared {
            request,
            entities,
            approval,
            target,
        })
    }

    /// Runs the policies on a prepared request: Cedar, then the verdict.
    pub fn evaluate(&self, p: &Prepared) -> Decision {
        let policies = self.policies();
        let response = self
            .authorizer
            .is_authorized(&p.request, &policies.set, &p.entities);
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
            let p = self.prepare(req, &facts, now)?;
            (self.evaluate(&p), p.target)
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
