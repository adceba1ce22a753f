//! Loading policies: parse each file, name each policy by its `@id`,
//! validate the whole set strictly against the schema, and report every
//! problem with the file, line and column it sits at.

use cedar_policy::{
    ActionConstraint, EntityUid, PolicyId, PolicySet, Schema, ValidationMode, Validator,
};
use miette::Diagnostic;
use std::collections::HashMap;
use std::fmt;

/// The schema policies are written against.
pub const SCHEMA: &str = include_str!("../policies/custos.cedarschema");
/// The policies Custos ships with.
pub const DEFAULT_POLICIES: &str = include_str!("../policies/default.cedar");
/// The name the shipped policies are reported under.
pub const DEFAULT_FILE: &str = "default.cedar";

/// One policy file: a name to report problems under, and its text.
#[derive(Clone, Debug)]
pub struct PolicySource {
    pub file: String,
    pub text: String,
}

impl PolicySource {
    pub fn new(file: impl Into<String>, text: impl Into<String>) -> PolicySource {
        PolicySource {
            file: file.into(),
            text: text.into(),
        }
    }

    /// The shipped default policies.
    pub fn default_policies() -> PolicySource {
        PolicySource::new(DEFAULT_FILE, DEFAULT_POLICIES)
    }
}

/// One problem in a policy file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyProblem {
    pub file: String,
    /// 1-based; 0 when the problem has no position.
    pub line: usize,
    pub column: usize,
    /// The policy concerned, when known.
    pub policy: Option<String>,
    pub message: String,
}

impl fmt::Display for PolicyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}:{}: ", self.file, self.line, self.column)?;
        } else {
            write!(f, "{}: ", self.file)?;
        }
        if let Some(p) = &self.policy {
            write!(f, "policy `{p}`: ")?;
        }
        f.write_str(&self.message)
    }
}

/// Every problem found while loading a set of policy files.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", render(.0))]
pub struct PolicyErrors(pub Vec<PolicyProblem>);

fn render(problems: &[PolicyProblem]) -> String {
    let mut s = String::new();
    for (i, p) in problems.iter().enumerate() {
        if i > 0 {
            s.push('\n');
        }
        s.push_str(&p.to_string());
    }
    s
}

/// What the guard reads from a policy's annotations.
#[derive(Clone, Debug, Default)]
pub(crate) struct PolicyMeta {
    pub reason: Option<String>,
    pub obligations: Vec<String>,
    pub needs_approval: bool,
}

/// A validated policy set with the annotations decisions report.
pub struct Policies {
    pub(crate) set: PolicySet,
    pub(crate) meta: HashMap<PolicyId, PolicyMeta>,
    /// For each action of the schema, the policies whose action scope can
    /// match it. Cedar evaluates every policy of the set it is given; the
    /// others cannot apply to that action (the action hierarchy is fixed
    /// by the schema), so leaving them out changes no decision and halves
    /// the evaluation time of a customer-data request.
    by_action: HashMap<EntityUid, ByCode>,
    files: Vec<String>,
}

impl fmt::Debug for Policies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Policies")
            .field("files", &self.files)
            .field("policies", &self.meta.len())
            .finish()
    }
}

impl Policies {
    /// Number of policies in the set.
    pub fn len(&self) -> usize {
        self.meta.len()
    }

    pub fn is_empty(&self) -> bool {
        self.meta.is_empty()
    }

    /// The ids of the policies, sorted.
    pub fn ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.meta.keys().map(ToString::to_string).collect();
        ids.sort();
        ids
    }

    /// The files the set was loaded from.
    pub fn files(&self) -> &[String] {
        &self.files
    }

    /// The policies that can apply to `action` with purpose code `code`
    /// (`""` for none): all of them for an action the schema does not
    /// know (Cedar then decides as usual).
    pub(crate) fn for_request(&self, action: &EntityUid, code: &str) -> &PolicySet {
        match self.by_action.get(action) {
            Some(b) => b.by_code.get(code).unwrap_or(&b.any),
            None => &self.set,
        }
    }
}

/// One action's policies: those for any purpose code, and for each code
/// some policy's `@purpose_codes` names, those plus the policies naming it.
struct ByCode {
    any: PolicySet,
    by_code: HashMap<String, PolicySet>,
}

/// The purpose codes a policy's `@purpose_codes("a b")` limits it to: it
/// is evaluated only for requests citing one of them (none: every request).
fn purpose_codes(policy: &cedar_policy::Policy) -> Vec<&str> {
    policy
        .annotation("purpose_codes")
        .map(|a| a.split_whitespace().collect())
        .unwrap_or_default()
}

/// Splits `set` by the schema's actions: a policy goes to every action its
/// action scope matches (`action`, `action == A`, `action in [..]` through
/// the schema's action groups).
fn split_by_action(schema: &Schema, set: &PolicySet) -> Result<HashMap<EntityUid, ByCode>, String> {
    let actions = schema.action_entities().map_err(|e| e.to_string())?;
    let mut codes: Vec<&str> = set.policies().flat_map(purpose_codes).collect();
    codes.sort_unstable();
    codes.dedup();
    let mut out = HashMap::new();
    for action in actions.iter() {
        let uid = action.uid();
        let mut lineage: Vec<EntityUid> = actions
            .ancestors(&uid)
            .map(|a| a.cloned().collect())
            .unwrap_or_default();
        lineage.push(uid.clone());
        let applies = |policy: &cedar_policy::Policy| match policy.action_constraint() {
            ActionConstraint::Any => true,
            ActionConstraint::Eq(a) => a == uid,
            ActionConstraint::In(groups) => groups.iter().any(|g| lineage.contains(g)),
        };
        // The policies of this action for requests citing `code` ("": any).
        let subset = |code: &str| -> Result<PolicySet, String> {
            let mut subset = PolicySet::new();
            for policy in set.policies().filter(|p| applies(p)) {
                let only = purpose_codes(policy);
                if only.is_empty() || only.contains(&code) {
                    subset.add(policy.clone()).map_err(|e| e.to_string())?;
                }
            }
            Ok(subset)
        };
        let mut by_code = HashMap::new();
        for &code in &codes {
            by_code.insert(code.to_owned(), subset(code)?);
        }
        let any = subset("")?;
        out.insert(uid, ByCode { any, by_code });
    }
    Ok(out)
}

/// The schema, parsed once.
pub(crate) fn schema() -> Result<Schema, PolicyErrors> {
    Schema::from_cedarschema_str(SCHEMA)
        .map(|(schema, _warnings)| schema)
        .map_err(|e| {
            PolicyErrors(vec![PolicyProblem {
                file: "custos.cedarschema".into(),
                line: first_offset(&e).map_or(0, |o| line_col(SCHEMA, o).0),
                column: first_offset(&e).map_or(0, |o| line_col(SCHEMA, o).1),
                policy: None,
                message: lower(&e.to_string()),
            }])
        })
}

/// Parses and validates `sources` against `schema`. Either every file is
/// good and the set is returned, or every problem found is.
pub(crate) fn load(schema: &Schema, sources: &[PolicySource]) -> Result<Policies, PolicyErrors> {
    let mut problems = Vec::new();
    let mut set = PolicySet::new();
    let mut meta = HashMap::new();
    // Which file each policy came from, to place validation errors.
    let mut origin: HashMap<PolicyId, usize> = HashMap::new();
    for (fi, src) in sources.iter().enumerate() {
        let parsed = match src.text.parse::<PolicySet>() {
            Ok(p) => p,
            Err(errs) => {
                for e in errs.errors_as_strings_with_offsets() {
                    let (line, column) = e.1.map_or((0, 0), |o| line_col(&src.text, o));
                    problems.push(PolicyProblem {
                        file: src.file.clone(),
                        line,
                        column,
                        policy: None,
                        message: e.0,
                    });
                }
                continue;
            }
        };
        for (n, policy) in parsed.policies().enumerate() {
            // Cedar does not expose a policy's position; its `@id` marks it.
            let (line, column) = policy
                .annotation("id")
                .and_then(|id| src.text.find(&format!("@id(\"{id}\")")))
                .map_or((0, 0), |o| line_col(&src.text, o));
            if !policy.is_static() {
                problems.push(PolicyProblem {
                    file: src.file.clone(),
                    line,
                    column,
                    policy: None,
                    message: "templates are not supported; write static policies".into(),
                });
                continue;
            }
            let id = match policy.annotation("id") {
                Some(id) if !id.trim().is_empty() => id.trim().to_owned(),
                _ => format!("{}#{}", src.file, n),
            };
            let pid = PolicyId::new(&id);
            // A problem of this policy, placed at its `@id`.
            let problem = |message: String| PolicyProblem {
                file: src.file.clone(),
                line,
                column,
                policy: Some(id.clone()),
                message,
            };
            let m = PolicyMeta {
                reason: policy.annotation("reason").map(str::to_owned),
                obligations: policy
                    .annotation("obligations")
                    .map(|o| o.split_whitespace().map(str::to_owned).collect())
                    .unwrap_or_default(),
                needs_approval: match policy.annotation("outcome") {
                    None => false,
                    Some("needs_approval") => true,
                    Some(other) => {
                        problems.push(problem(format!(
                            "unknown `@outcome(\"{other}\")`; the only outcome is `needs_approval`"
                        )));
                        false
                    }
                },
            };
            for code in purpose_codes(policy) {
                if custos_core::PurposeCode::parse(code).is_none() {
                    problems.push(problem(format!(
                        "unknown purpose code `{code}` in `@purpose_codes`; use {}",
                        custos_core::PurposeCode::NAMES.join(", ")
                    )));
                }
            }
            if m.needs_approval && policy.effect() != cedar_policy::Effect::Forbid {
                problems.push(problem(
                    "`@outcome(\"needs_approval\")` belongs on a forbid policy".into(),
                ));
            }
            if m.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
                problems.push(problem(
                    "missing `@reason(\"...\")`: every decision must say why in words a tool can show"
                        .into(),
                ));
            }
            if let Some(prev) = origin.get(&pid) {
                let prev_file = sources.get(*prev).map_or("?", |s| s.file.as_str());
                problems.push(problem(format!(
                    "the id `{id}` is already used in `{prev_file}`"
                )));
                continue;
            }
            if let Err(e) = set.add(policy.new_id(pid.clone())) {
                problems.push(PolicyProblem {
                    file: src.file.clone(),
                    line,
                    column,
                    policy: Some(id.clone()),
                    message: lower(&e.to_string()),
                });
                continue;
            }
            origin.insert(pid.clone(), fi);
            meta.insert(pid, m);
        }
    }
    if !problems.is_empty() {
        return Err(PolicyErrors(problems));
    }
    let validator = Validator::new(schema.clone());
    let result = validator.validate(&set, ValidationMode::Strict);
    for e in result.validation_errors() {
        let pid = e.policy_id();
        let src = origin.get(pid).and_then(|i| sources.get(*i));
        let (line, column) = match (src, first_offset(e)) {
            (Some(src), Some(o)) => line_col(&src.text, o),
            _ => (0, 0),
        };
        problems.push(PolicyProblem {
            file: src.map_or_else(|| "?".to_owned(), |s| s.file.clone()),
            line,
            column,
            policy: Some(pid.to_string()),
            message: validation_message(e),
        });
    }
    if !problems.is_empty() {
        return Err(PolicyErrors(problems));
    }
    let by_action = split_by_action(schema, &set).map_err(|message| {
        PolicyErrors(vec![PolicyProblem {
            file: "custos.cedarschema".into(),
            line: 0,
            column: 0,
            policy: None,
            message,
        }])
    })?;
    Ok(Policies {
        set,
        meta,
        by_action,
        files: sources.iter().map(|s| s.file.clone()).collect(),
    })
}

/// A validation error in words: Cedar's message, with its help when it
/// has one, without repeating the policy id we already print.
fn validation_message(e: &cedar_policy::ValidationError) -> String {
    let mut m = e.to_string();
    let prefix = format!("for policy `{}`, ", e.policy_id());
    if let Some(rest) = m.strip_prefix(&prefix) {
        m = rest.to_owned();
    }
    if let Some(help) = e.help() {
        m.push_str("; ");
        m.push_str(&help.to_string());
    }
    lower(&m)
}

fn first_offset(d: &dyn Diagnostic) -> Option<usize> {
    d.labels()
        .and_then(|mut labels| labels.next())
        .map(|l| l.offset())
}

/// 1-based line and column of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map_or(1, |l| l.chars().count() + 1);
    (line, column)
}

/// Messages start lowercase, as every error of Custos does.
fn lower(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Cedar's parse errors as (message, byte offset) pairs.
trait ParseErrorsExt {
    fn errors_as_strings_with_offsets(&self) -> Vec<(String, Option<usize>)>;
}

impl ParseErrorsExt for cedar_policy::ParseErrors {
    fn errors_as_strings_with_offsets(&self) -> Vec<(String, Option<usize>)> {
        self.iter()
            .map(|e| {
                let mut m = lower(&e.to_string());
                if let Some(help) = e.help() {
                    m.push_str("; ");
                    m.push_str(&help.to_string());
                }
                (m, first_offset(e))
            })
            .collect()
    }
}
