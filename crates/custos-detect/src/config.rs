//! Detection configuration: every threshold and window, with defaults
//! that work without a config file. Durations are whole hours or days of
//! event time. The lead embeds [`DetectConfig`] in the TOML config as a
//! `[detect]` table; unknown keys are rejected so typos do not pass.

use serde::{Deserialize, Serialize};

/// All detection settings. `Default` gives the documented defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct DetectConfig {
    pub world: WorldConfig,
    pub alerts: AlertConfig,
    pub purpose_violation: PurposeViolationConfig,
    pub seller_affinity: SellerAffinityConfig,
    pub review_deletion: ReviewDeletionConfig,
    pub reactivation: ReactivationConfig,
    pub volume: VolumeConfig,
    pub beneficiary: BeneficiaryConfig,
    pub honeytoken: HoneytokenConfig,
    pub guard_denials: GuardDenialsConfig,
    pub departing: DepartingConfig,
    pub risk: RiskConfig,
    /// A folder of Sigma rule files (`*.yml`, `*.yaml`) to load besides
    /// `DATA_DIR/rules/`. The engine reads no files: the program that
    /// embeds it loads the folder and hands the rules over
    /// ([`crate::SigmaRules`], [`crate::Engine::set_sigma_rules`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rules_dir: Option<String>,
}

/// The engine's model of the marketplace and its memory bounds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorldConfig {
    /// A ticket closed longer ago than this no longer justifies access. Default 72.
    pub closed_ticket_grace_hours: u32,
    /// Closed tickets are forgotten this long after closing. Default 30.
    pub ticket_retention_days: u32,
    /// Tickets never closed are forgotten this long after opening. Default 180.
    pub open_ticket_max_age_days: u32,
    /// During the first hours of a stream, a ticket the engine never saw
    /// opened is given the benefit of the doubt (it may predate the
    /// stream). Default 72.
    pub unknown_ticket_warmup_hours: u32,
    /// At most this many sellers are remembered per customer (the most
    /// recent relations). Default 32.
    pub max_sellers_per_customer: u32,
    /// Ticket assignments are remembered per employee this long. Default 30.
    pub assignment_memory_days: u32,
    /// And at most this many per employee. Default 128.
    pub max_assignments_per_employee: u32,
    /// A review is part of a burst when its author wrote at least this many
    /// reviews that UTC day. Default 3.
    pub author_burst_min: u32,
    /// ... or negative reviews that day reached this multiple of the
    /// median of the 14 days before (a spam wave). Default 1.6.
    pub negative_surge_factor: f64,
    /// ... or its seller received at least this many reviews in that hour
    /// and at least `seller_burst_factor` times its average hourly rate. Default 5.
    pub seller_burst_min: u32,
    /// Default 10.
    pub seller_burst_factor: f64,
    /// ... or its seller received at least this many negative reviews that
    /// UTC day or the day before, and at least `seller_surge_factor` times
    /// its daily average of negative reviews on other days (from the
    /// stream's eighth day: before, a usual day is not known). Defaults 10 and 5.
    pub seller_surge_min: u32,
    pub seller_surge_factor: f64,
    /// Review counters are kept this long. Default 60.
    pub burst_retention_days: u32,
    /// Per-employee daily activity kept for baselines. Default 90.
    pub activity_history_days: u32,
    /// A customer looked up without a purpose (a view or an order view
    /// naming no valid ticket) by at least this many different employees
    /// within `shared_record_window_days`, on at least
    /// `shared_record_days` different days, is a shared record: a test,
    /// training or demo account the whole floor opens every day, not a
    /// person anyone is snooping on. Such look-ups are no purpose
    /// violation (verdict `shared_record`). 0 turns this off. Default 16.
    pub shared_record_employees: u32,
    /// Default 10: many employees on a few days (a famous customer in the
    /// news) is not a shared record; the same every other day for weeks is.
    pub shared_record_days: u32,
    /// Default 30.
    pub shared_record_window_days: u32,
    /// An employee assigned a seller's own ticket (one naming the seller
    /// and no customer: an account manager's, an appeal's) serves that
    /// seller for this many days after: their order views of the
    /// seller's orders count as explained for seller affinity and
    /// revisits, as a ticket about the customer would. Only the seller's
    /// own orders: its reviewers or buyers met elsewhere are not, so a
    /// harvest under a served seller's cover still counts. 0 turns this
    /// off. Default 90 (a portfolio shop may write once a month or less).
    pub served_seller_days: u32,
    /// An export citing a four-eyes approval (`purpose.approval`) that no
    /// other employee cited within this many days before is bulk access
    /// a second person signed: expected work for volume and seller
    /// affinity, as a legal export under a valid ticket is (purpose
    /// violation still judges its ticket). An approval someone else cited
    /// first is borrowed and counts for nothing. Once the stream has
    /// carried a grant of Custos's guard (a `guard.decide` event with
    /// `decision` `granted`), only approvals the guard granted to the
    /// employee count, for exports and for reactivations (see
    /// `reactivation`); before that (approvals from another system) ids
    /// are taken as stated. 0 turns all this off. Default 30.
    pub approval_memory_days: u32,
}

impl Default for WorldConfig {
    fn default() -> Self {
        WorldConfig {
            closed_ticket_grace_hours: 72,
            ticket_retention_days: 30,
            open_ticket_max_age_days: 180,
            unknown_ticket_warmup_hours: 72,
            max_sellers_per_customer: 32,
            assignment_memory_days: 30,
            max_assignments_per_employee: 128,
            author_burst_min: 3,
            negative_surge_factor: 1.6,
            seller_burst_min: 5,
            seller_burst_factor: 10.0,
            seller_surge_min: 10,
            seller_surge_factor: 5.0,
            burst_retention_days: 60,
            activity_history_days: 90,
            shared_record_employees: 16,
            shared_record_days: 10,
            shared_record_window_days: 30,
            served_seller_days: 90,
            approval_memory_days: 30,
        }
    }
}

/// How findings become alerts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertConfig {
    /// An alert not updated for this long is closed; new evidence for the
    /// same employee, detector and key then raises a new alert. Default 14.
    pub incident_gap_days: u32,
    /// Evidence event ids kept per alert (the first ones). Default 200.
    pub max_evidence: u32,
}

impl Default for AlertConfig {
    fn default() -> Self {
        AlertConfig {
            incident_gap_days: 14,
            max_evidence: 200,
        }
    }
}

/// Customer data disclosed without a valid purpose.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PurposeViolationConfig {
    pub enabled: bool,
    /// Violations are counted over this sliding window. Default 7.
    pub window_days: u32,
    /// Never alert below this many violations in the window. Default 5.
    pub min_violations: u32,
    /// Poisson tail probability, against the peer group's violation rate
    /// per access, below which the count is anomalous. Default 1e-6.
    pub alpha: f64,
    /// Pseudo-accesses shrinking a peer group's rate to the global rate.
    /// Roles differ in how much of their work has no ticket (audit
    /// samples, calls taken before a ticket exists), so a small role's
    /// own week must be able to outweigh the prior. Default 200.
    pub prior_accesses: f64,
    /// Floor of the expected violation rate per access. Default 0.002.
    pub min_rate: f64,
    /// The same floor for one reason of violation (no ticket, unknown
    /// ticket, another employee's, closed, about another customer), each
    /// also tested alone (against the peers and against the employee's
    /// own days before the window). Default 0.002.
    pub min_reason_rate: f64,
    /// Half-life of the employee's own history of disclosures. Default 30.
    pub history_halflife_days: u32,
    /// An employee whose own rate of violations per disclosure before the
    /// window is at least this works a channel without tickets (calls
    /// looked up before a ticket exists): the count of all violations
    /// then takes that rate as its floor. Below it, the employee's past
    /// violations are not excused (steady abuse would be). 0 switches
    /// the floor off. Default 0.2.
    pub habit_rate: f64,
    /// Quantile of peers' individual violation rates an honest employee
    /// may reach. Default 0.9.
    pub peer_quantile: f64,
    /// A peer group needs this many employees with a rate, else all
    /// employees are used. Default 10.
    pub min_peer_employees: u32,
    /// A team needs this many employees with a rate for its break-glass
    /// quantile. Default 5.
    pub min_team_employees: u32,
    /// Disclosures in the window for an employee's rate to count. Default 20.
    pub min_disclosures_for_rate: u32,
    /// The honest rate (overall and per reason) is at least the
    /// team-mates' pooled rate in the window, shrunk towards the role's
    /// by `prior_accesses`, and a burst's at least the median of the
    /// active team-mates' rates in the same span: a team that works
    /// alike (a night shift taking calls before tickets exist, a
    /// training session) explains its members. Default true.
    pub team_rate: bool,
    /// Violations in the window for medium / high / critical. Defaults 10, 25, 100.
    pub medium_at: u32,
    pub high_at: u32,
    pub critical_at: u32,
    /// Break-glass accesses raise alerts. Default true.
    pub break_glass_alert: bool,
    /// Break-glass uses in the window that, if also unusual against peers,
    /// raise a low alert. Set 1 to alert on every use. Default 5 (night
    /// shifts legitimately reach 3–4 a week).
    pub break_glass_low_at: u32,
    /// Break-glass uses in the window that make it medium. Default 8.
    pub break_glass_medium_at: u32,
    /// Poisson tail against peers' break-glass rate below which repeated
    /// use is unusual. Default 1e-4.
    pub break_glass_alpha: f64,
    /// Floor of the expected break-glass rate per disclosure. Default 0.0005.
    pub min_break_glass_rate: f64,
    /// Break-glass uses stating the same reason by two or more employees,
    /// each within this many hours of the one before, are one shared
    /// incident: the responders' uses in it do not count as any one's
    /// unusual use. 0 switches this off. Default 4.
    pub incident_gap_hours: u32,
    /// Spans, in hours, of the burst test: the customers disclosed
    /// without purpose within each span against all disclosed in it,
    /// tested at level `alpha` after a scan correction. Empty switches
    /// it off. Default [1, 8].
    pub burst_hours: Vec<u32>,
    /// Never alert on a burst below this many customers. Default 6.
    pub burst_min_customers: u32,
    /// Customers of one search or export the burst test counts: a
    /// query's results are one choice of the employee's. Below
    /// `burst_min_customers`, so one query is never a session. Default 5.
    pub burst_query_customers: u32,
    /// A disclosure without a ticket is explained when the employee
    /// deletes or restores a review by that customer within this many
    /// minutes (a moderator opens the author first). Seller affinity
    /// counts a customer looked up alone only after this long, for the
    /// same reason. 0 switches both off. Default 30.
    pub explain_after_minutes: u32,
    /// Snooping: one customer disclosed alone without a purpose (no
    /// ticket, or a ticket about someone else) on this many different
    /// days within `revisit_days` alerts (key `revisit`). 0 switches it
    /// off. Default 3.
    pub revisit_min_days: u32,
    /// Or this many customers, each disclosed so on two different days
    /// or more. 0 switches this part off. Default 3.
    pub revisit_min_people: u32,
    /// Default 30.
    pub revisit_days: u32,
    /// The one-person test looks back this long (a shorter value is
    /// taken as `revisit_days`, so raising `revisit_days` alone stays
    /// valid): a look every few weeks at an ex-partner or a
    /// celebrity is snooping too, while honest slips on the same person
    /// rarely recur three times in two months. Default 60.
    pub revisit_person_days: u32,
    /// A person that this many of the employee's team-mates also looked
    /// up without a purpose in `revisit_days` is the team's shared record
    /// (a test or training account), not one person's interest, and is
    /// not counted. 0 switches this off. Default 3.
    pub revisit_team_shared: u32,
}

impl Default for PurposeViolationConfig {
    fn default() -> Self {
        PurposeViolationConfig {
            enabled: true,
            window_days: 7,
            min_violations: 5,
            alpha: 1e-6,
            prior_accesses: 200.0,
            min_rate: 0.002,
            min_reason_rate: 0.002,
            history_halflife_days: 30,
            habit_rate: 0.2,
            peer_quantile: 0.9,
            min_peer_employees: 10,
            min_team_employees: 5,
            min_disclosures_for_rate: 20,
            team_rate: true,
            medium_at: 10,
            high_at: 25,
            critical_at: 100,
            break_glass_alert: true,
            break_glass_low_at: 5,
            break_glass_medium_at: 8,
            break_glass_alpha: 1e-4,
            min_break_glass_rate: 0.0005,
            incident_gap_hours: 4,
            burst_hours: vec![1, 8],
            burst_min_customers: 6,
            burst_query_customers: 5,
            explain_after_minutes: 30,
            revisit_min_days: 3,
            revisit_min_people: 3,
            revisit_days: 30,
            revisit_person_days: 60,
            revisit_team_shared: 3,
        }
    }
}

/// Accessed customers concentrated on one seller's reviewers or buyers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SellerAffinityConfig {
    pub enabled: bool,
    /// Sliding window of distinct unexplained customers. Default 30.
    pub window_days: u32,
    /// Never alert below this many unexplained customers of one seller
    /// (or, for the several-seller test, of the set). Default 3 (the
    /// corrected p-value below `alpha` is what usually decides).
    pub min_customers: u32,
    /// Bonferroni-adjusted binomial tail below which to alert. Default 1e-3.
    pub alpha: f64,
    /// Customers of the seller that make the alert high / critical. Defaults 20, 100.
    pub high_customers: u32,
    pub critical_customers: u32,
    /// Pseudo-accesses (with share 0) smoothing the employee's own
    /// explained share of a seller. Default 200.
    pub own_prior_accesses: f64,
    /// The unexplained customers that left the employee's window are a
    /// fourth source of `p0`: a lean on a seller the employee has had for
    /// longer than the window (an account manager's portfolio) is how
    /// they work, not news; a lean that starts now still stands out.
    /// Default true.
    pub own_history: bool,
    /// Pseudo-accesses smoothing that share before the window. Smaller
    /// than `own_prior_accesses`: it only ever raises `p0` for a seller
    /// the employee already leaned on. Default 20.
    pub own_history_prior_accesses: f64,
    /// A peer group's access shares are used once it has this much
    /// (decayed) access mass. Default 1000.
    pub peer_min_accesses: f64,
    /// Half-life of the access-share counters. Default 14.
    pub share_halflife_days: u32,
    /// Distinct unexplained customers tracked per employee. Default 20000.
    pub max_tracked_customers: u32,
    /// Weak signal for beneficiary convergence: adjusted p below this ... Default 1e-3.
    pub signal_alpha: f64,
    /// ... with at least this many customers. Default 3.
    pub signal_min_customers: u32,
    /// Single-seller p-values (before correction) below this are passed to
    /// beneficiary convergence for its joint test across employees. Default 1e-3.
    pub weak_signal_p: f64,
    /// The broker pattern: up to this many sellers are tested jointly
    /// (customers related to any of them); 1 switches the test off. Default 4.
    pub several_sellers_max: u32,
    /// The joint test is skipped for an employee with more unexplained
    /// customers than this (bounding its cost; such volume alerts
    /// elsewhere). Default 2000.
    pub several_sellers_max_customers: u32,
}

impl Default for SellerAffinityConfig {
    fn default() -> Self {
        SellerAffinityConfig {
            enabled: true,
            window_days: 30,
            min_customers: 3,
            alpha: 1e-3,
            high_customers: 20,
            critical_customers: 100,
            own_prior_accesses: 200.0,
            own_history: true,
            own_history_prior_accesses: 20.0,
            peer_min_accesses: 1000.0,
            share_halflife_days: 14,
            max_tracked_customers: 20_000,
            signal_alpha: 1e-3,
            signal_min_customers: 3,
            weak_signal_p: 1e-3,
            several_sellers_max: 4,
            several_sellers_max_customers: 2000,
        }
    }
}

/// Deletions of one seller's negative reviews without a dispute ticket.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReviewDeletionConfig {
    pub enabled: bool,
    /// Default 30.
    pub window_days: u32,
    /// Ratings at or below this are negative. Default 2.
    pub negative_max_rating: u32,
    /// Never alert below this many unexplained negative deletions of one seller. Default 3.
    pub min_deletions: u32,
    /// Bonferroni-adjusted binomial tail below which to alert, for the
    /// tests of one seller (concentration and capture). Default 1e-2.
    pub alpha: f64,
    /// The same for the seller-free test of deletions citing no ticket,
    /// which has no sellers to correct for. Default 1e-3.
    pub no_ticket_alpha: f64,
    /// A review_dispute ticket of the seller explains deletions from its
    /// opening until this long after it closed. Default 14.
    pub dispute_grace_days: u32,
    /// Deletions that make the alert high / critical. Defaults 8, 30.
    pub high_deletions: u32,
    pub critical_deletions: u32,
    /// Weak signal for beneficiary convergence. Defaults 2, 1e-2.
    pub signal_min_deletions: u32,
    pub signal_alpha: f64,
    /// Floor of the peers' rate of unexplained negative deletions per
    /// deletion. Default 0.01.
    pub min_unexplained_rate: f64,
    /// Pseudo-deletions shrinking a peer group's rate towards all
    /// employees'. Default 50.
    pub prior_deletions: f64,
    /// Floor of the peers' rate of unexplained negative deletions citing
    /// no ticket, per deletion (the seller-free test). Default 0.002.
    pub min_no_ticket_rate: f64,
    /// Quantile of moderators' individual ticketless rates an honest one
    /// may reach. Default 0.9.
    pub peer_quantile: f64,
    /// Deletions in the window for a moderator's rate to count. Default 20.
    pub min_deletions_for_rate: u32,
    /// A peer group needs this many moderators with a rate, else all
    /// employees are used. Default 5.
    pub min_peer_moderators: u32,
    /// Test whether one moderator grants a seller's own review disputes
    /// far beyond that moderator's share of the disputes granted (see
    /// the detector's docs). Default true.
    pub dispute_capture: bool,
    /// Test whether one moderator makes a seller's deletions of negative
    /// reviews, explained or not, far beyond that moderator's share of
    /// such deletions (see the detector's docs). Default true.
    pub deletion_capture: bool,
}

impl Default for ReviewDeletionConfig {
    fn default() -> Self {
        ReviewDeletionConfig {
            enabled: true,
            window_days: 30,
            negative_max_rating: 2,
            min_deletions: 3,
            alpha: 1e-2,
            no_ticket_alpha: 1e-3,
            dispute_grace_days: 14,
            high_deletions: 8,
            critical_deletions: 30,
            signal_min_deletions: 2,
            signal_alpha: 1e-2,
            min_unexplained_rate: 0.01,
            prior_deletions: 50.0,
            min_no_ticket_rate: 0.002,
            peer_quantile: 0.9,
            min_deletions_for_rate: 20,
            min_peer_moderators: 5,
            dispute_capture: true,
            deletion_capture: true,
        }
    }
}

/// Reactivation of accounts banned for fraud, counterfeiting or review
/// manipulation without a proper appeal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReactivationConfig {
    pub enabled: bool,
    /// Default 90.
    pub window_days: u32,
    /// Unappealed reactivations after such bans in the window that make
    /// it critical. Default 2.
    pub repeat_at: u32,
    /// Unappealed reactivations of accounts banned for other reasons
    /// (`policy`, `other`) in the window that raise an alert (medium).
    /// 0 switches this off. Default 0: such bans are routinely lifted
    /// without an appeal (a listing fixed, a mistaken policy ban wave
    /// reverted); on the 29 test marketplaces of BENCHMARKS.md this alert
    /// fired 11 times at 3, never on an insider.
    pub other_reason_min: u32,
    /// Reactivations of one account by the same employee in the window,
    /// the latest after a new ban for fraud, counterfeiting or review
    /// manipulation, that raise an alert even with an appeal each time
    /// (a revival loop).
    /// 0 switches this off. Default 3 (an account banned twice and
    /// reactivated twice by the analyst who works its appeals happens
    /// honestly).
    pub revival_repeat_at: u32,
    /// Four-eyes as practised: when at least this many of the other
    /// employees' reactivations after fraud, counterfeiting or review
    /// manipulation bans in the window were made, and at least
    /// `approval_practice_share` of them name an approval, one without
    /// an approval alerts and one with an approval needs no appeal.
    /// 0 switches this off. Default 10 (at 20, a stream needed weeks to
    /// learn the practice, and reactivations without an approval went
    /// unjudged until then).
    pub approval_practice_min: u32,
    /// Default 0.9.
    pub approval_practice_share: f64,
    /// A reactivation naming an approval (`purpose.approval`) that
    /// another employee's reactivation named first in the window used a
    /// colleague's four-eyes approval (an approval permits one action of
    /// the person it was granted to; one person may undo a batch under
    /// one). Default true.
    pub reused_approval: bool,
    /// A reactivation after a fraud, counterfeiting or review
    /// manipulation ban whose appeal another employee had closed with
    /// the ban standing (a refused appeal) overturned a colleague's
    /// decision: high, critical from `repeat_at` in the window. Default
    /// true.
    pub overturned_refusal: bool,
    /// An employee's reactivations from this many within 24 hours on are
    /// a batch (a ban wave undone): they alert as before but no longer
    /// count as evidence that the seller was favoured, for beneficiary
    /// convergence. 0 switches this off. Default 10.
    pub batch_at: u32,
}

impl Default for ReactivationConfig {
    fn default() -> Self {
        ReactivationConfig {
            enabled: true,
            window_days: 90,
            repeat_at: 2,
            other_reason_min: 0,
            revival_repeat_at: 3,
            approval_practice_min: 10,
            approval_practice_share: 0.9,
            reused_approval: true,
            overturned_refusal: true,
            batch_at: 10,
        }
    }
}

/// Daily volume against the employee's own and peers' baselines. In a
/// scaled-out deployment the cross-partition pass applies these rules
/// to finished days with the peers of every partition (`crate::cross`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VolumeConfig {
    pub enabled: bool,
    /// Baseline window of active days. Default 28.
    pub baseline_days: u32,
    /// Active days before the own baseline is trusted (a new hire is
    /// judged against peers until then). Default 7.
    pub min_baseline_days: u32,
    /// Own threshold: `own_factor * median + mad_k * 1.4826 * MAD`. Defaults 3, 6.
    pub own_factor: f64,
    pub mad_k: f64,
    /// Peer threshold: this quantile of the peer group's employee-days. Default 0.99.
    pub peer_quantile: f64,
    /// New hires: `new_hire_peer_factor * peer quantile`. Default 1.5.
    pub new_hire_peer_factor: f64,
    /// Absolute floors: distinct customers, searches, exported customers per day.
    /// Defaults 60, 60, 200.
    pub min_customers: u32,
    pub min_searches: u32,
    pub min_exported: u32,
    /// Peer group needs this many employee-days in the window, else all
    /// employees are the peers (or the group's own days so far, where
    /// their quantile is higher). Default 30.
    pub min_peer_days: u32,
}

impl Default for VolumeConfig {
    fn default() -> Self {
        VolumeConfig {
            enabled: true,
            baseline_days: 28,
            min_baseline_days: 7,
            own_factor: 3.0,
            mad_k: 6.0,
            peer_quantile: 0.99,
            new_hire_peer_factor: 1.5,
            min_customers: 60,
            min_searches: 60,
            min_exported: 200,
            min_peer_days: 30,
        }
    }
}

/// Several employees or abuse kinds converging on one seller.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BeneficiaryConfig {
    pub enabled: bool,
    /// Signals older than this are forgotten. Default 30.
    pub window_days: u32,
    /// Distinct employees with a signal on the seller. Default 2.
    pub min_employees: u32,
    /// Or distinct kinds of abuse benefiting the seller. Default 2.
    pub min_kinds: u32,
    /// The ring test: `j` employees (2 ≤ j ≤ `ring_max_employees`) whose
    /// unexplained accesses each lean towards the same seller, every one
    /// with a single-seller p-value of at most `p_j`, are a ring when
    /// `C(employees, j) × tests × p_j^j` (the chance that any `j` honest
    /// employees line up so on any seller) is below this, and so is
    /// `employees × p_j` (an honest one joining involved ones). Default 1e-2.
    pub ring_alpha: f64,
    /// Default 3.
    pub ring_max_employees: u32,
}

impl Default for BeneficiaryConfig {
    fn default() -> Self {
        BeneficiaryConfig {
            enabled: true,
            window_days: 30,
            min_employees: 2,
            min_kinds: 2,
            ring_alpha: 1e-2,
            ring_max_employees: 3,
        }
    }
}

/// Decoy customer records.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HoneytokenConfig {
    pub enabled: bool,
}

impl Default for HoneytokenConfig {
    fn default() -> Self {
        HoneytokenConfig { enabled: true }
    }
}

/// Repeated refusals by the guard.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GuardDenialsConfig {
    pub enabled: bool,
    /// The sliding window refusals are counted in. Default 24 hours.
    pub window_hours: u32,
    /// Refusals (`guard.decide` with decision `deny`; approval requests do
    /// not count) in the window that raise a medium alert. Default 5.
    pub min_denials: u32,
    /// ... and a high one. Default 15.
    pub high_denials: u32,
}

impl Default for GuardDenialsConfig {
    fn default() -> Self {
        GuardDenialsConfig {
            enabled: true,
            window_hours: 24,
            min_denials: 5,
            high_denials: 15,
        }
    }
}

/// Unusual access before resignation, and any access after leaving.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DepartingConfig {
    pub enabled: bool,
    /// Days before the leave event compared with the baseline. Default 14.
    pub lookback_days: u32,
    /// Baseline: active days before the lookback, at most this many. Default 60.
    pub baseline_days: u32,
    /// Baseline active days needed to judge. Default 5.
    pub min_baseline_days: u32,
    /// Recent daily mean must be at least this times the baseline mean. Default 2.
    pub ratio: f64,
    /// And exceed what the baseline predicts by this many distinct
    /// customers (or exported customers) over the lookback. Defaults 60, 100.
    pub min_excess_customers: u32,
    pub min_excess_exported: u32,
    /// Or by at least this many and with a Poisson tail against the
    /// baseline rate below `alpha`. Defaults 6, 1e-4.
    pub min_excess_tested: u32,
    pub alpha: f64,
    /// Alert on any disclosure after a resignation or termination. Default true.
    pub after_leave_alert: bool,
    /// A resignation is often recorded during the leaver's last shift:
    /// for this many hours after it, work under a valid ticket is that
    /// shift's and only disclosures without one count. Default 12; 0
    /// counts every disclosure at once. A termination has no grace.
    pub resignation_grace_hours: u32,
}

impl Default for DepartingConfig {
    fn default() -> Self {
        DepartingConfig {
            enabled: true,
            lookback_days: 14,
            baseline_days: 60,
            min_baseline_days: 5,
            ratio: 2.0,
            min_excess_customers: 60,
            min_excess_exported: 100,
            min_excess_tested: 6,
            alpha: 1e-4,
            after_leave_alert: true,
            resignation_grace_hours: 12,
        }
    }
}

/// The per-employee risk score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RiskConfig {
    /// An alert's contribution halves every this many days after its last update. Default 7.
    pub half_life_days: f64,
    /// Weight of each further alert relative to the one before. Default 0.5.
    pub other_weight: f64,
    /// Alerts remembered per employee (the strongest). Default 8.
    pub max_alerts_per_employee: u32,
}

impl Default for RiskConfig {
    fn default() -> Self {
        RiskConfig {
            half_life_days: 7.0,
            other_weight: 0.5,
            max_alerts_per_employee: 8,
        }
    }
}

impl DetectConfig {
    /// Whether a detector is switched on.
    pub fn is_enabled(&self, kind: crate::DetectorKind) -> bool {
        use crate::DetectorKind as K;
        match kind {
            K::PurposeViolation => self.purpose_violation.enabled,
            K::SellerAffinity => self.seller_affinity.enabled,
            K::ReviewDeletionTargeting => self.review_deletion.enabled,
            K::ReactivationAbuse => self.reactivation.enabled,
            K::VolumeAnomaly => self.volume.enabled,
            K::BeneficiaryConvergence => self.beneficiary.enabled,
            K::Honeytoken => self.honeytoken.enabled,
            K::GuardDenials => self.guard_denials.enabled,
            K::DepartingEmployee => self.departing.enabled,
            K::Rule | K::Sigma => true,
        }
    }

    /// Every problem with the values, all at once (empty when valid).
    pub fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        let mut prob = |ok: bool, name: &str, why: &str| {
            if !ok {
                p.push(format!("`detect.{name}` {why}"));
            }
        };
        let unit = |x: f64| x > 0.0 && x < 1.0;
        prob(
            self.world.ticket_retention_days > 0,
            "world.ticket_retention_days",
            "must be at least 1",
        );
        prob(
            self.world.max_sellers_per_customer > 0,
            "world.max_sellers_per_customer",
            "must be at least 1",
        );
        prob(
            self.world.activity_history_days >= 2,
            "world.activity_history_days",
            "must be at least 2",
        );
        prob(
            self.world.seller_surge_min >= 1
                && self.world.seller_surge_factor.is_finite()
                && self.world.seller_surge_factor >= 1.0,
            "world.seller_surge_min",
            "must be at least 1, with `world.seller_surge_factor` at least 1 (a surge is more than a usual day)",
        );
        prob(
            self.world.shared_record_employees == 0
                || (self.world.shared_record_days >= 1
                    && self.world.shared_record_days <= self.world.shared_record_window_days),
            "world.shared_record_days",
            "must be between 1 and `world.shared_record_window_days` while `world.shared_record_employees` is on",
        );
        prob(
            self.alerts.incident_gap_days > 0,
            "alerts.incident_gap_days",
            "must be at least 1",
        );
        prob(
            self.purpose_violation.window_days > 0,
            "purpose_violation.window_days",
            "must be at least 1",
        );
        prob(
            self.reactivation.approval_practice_share > 0.0
                && self.reactivation.approval_practice_share <= 1.0,
            "reactivation.approval_practice_share",
            "must be in (0, 1]",
        );
        prob(
            self.purpose_violation.prior_accesses.is_finite()
                && self.purpose_violation.prior_accesses > 0.0,
            "purpose_violation.prior_accesses",
            "must be a number of pseudo-disclosures above 0 (a peer group with no disclosures yet has only the prior)",
        );
        prob(
            self.seller_affinity.own_prior_accesses.is_finite()
                && self.seller_affinity.own_prior_accesses > 0.0,
            "seller_affinity.own_prior_accesses",
            "must be a number of pseudo-accesses above 0 (an employee with no ticketed work yet has only the prior)",
        );
        prob(
            self.seller_affinity.own_history_prior_accesses.is_finite()
                && self.seller_affinity.own_history_prior_accesses > 0.0,
            "seller_affinity.own_history_prior_accesses",
            "must be a number of pseudo-accesses above 0 (an employee with no history yet has only the prior)",
        );
        prob(
            (0.0..=1.0).contains(&self.purpose_violation.habit_rate),
            "purpose_violation.habit_rate",
            "must be in [0, 1] (0 switches the floor off)",
        );
        prob(
            self.purpose_violation.revisit_min_days == 0 || self.purpose_violation.revisit_days > 0,
            "purpose_violation.revisit_days",
            "must be at least 1 while `purpose_violation.revisit_min_days` is on",
        );
        prob(
            unit(self.purpose_violation.alpha),
            "purpose_violation.alpha",
            "must be in (0, 1)",
        );
        prob(
            unit(self.purpose_violation.min_rate),
            "purpose_violation.min_rate",
            "must be in (0, 1)",
        );
        prob(
            unit(self.purpose_violation.min_reason_rate),
            "purpose_violation.min_reason_rate",
            "must be in (0, 1)",
        );
        prob(
            unit(self.purpose_violation.peer_quantile),
            "purpose_violation.peer_quantile",
            "must be in (0, 1)",
        );
        prob(
            unit(self.purpose_violation.break_glass_alpha),
            "purpose_violation.break_glass_alpha",
            "must be in (0, 1)",
        );
        prob(
            self.purpose_violation.break_glass_low_at > 0,
            "purpose_violation.break_glass_low_at",
            "must be at least 1",
        );
        let pv = &self.purpose_violation;
        prob(
            pv.burst_hours
                .iter()
                .all(|&h| h >= 1 && h <= pv.window_days.saturating_mul(24)),
            "purpose_violation.burst_hours",
            "each span must be at least 1 hour and at most the window (window_days x 24)",
        );
        prob(
            pv.burst_min_customers > 0,
            "purpose_violation.burst_min_customers",
            "must be at least 1",
        );
        prob(
            pv.burst_query_customers >= 1 && pv.burst_query_customers < pv.burst_min_customers,
            "purpose_violation.burst_query_customers",
            "must be at least 1 and below burst_min_customers",
        );
        prob(
            unit(self.review_deletion.min_no_ticket_rate),
            "review_deletion.min_no_ticket_rate",
            "must be in (0, 1)",
        );
        prob(
            unit(self.review_deletion.peer_quantile),
            "review_deletion.peer_quantile",
            "must be in (0, 1)",
        );
        prob(
            self.seller_affinity.window_days > 0,
            "seller_affinity.window_days",
            "must be at least 1",
        );
        prob(
            unit(self.seller_affinity.alpha),
            "seller_affinity.alpha",
            "must be in (0, 1)",
        );
        prob(
            unit(self.seller_affinity.signal_alpha),
            "seller_affinity.signal_alpha",
            "must be in (0, 1)",
        );
        prob(
            unit(self.seller_affinity.weak_signal_p),
            "seller_affinity.weak_signal_p",
            "must be in (0, 1)",
        );
        prob(
            unit(self.beneficiary.ring_alpha),
            "beneficiary.ring_alpha",
            "must be in (0, 1)",
        );
        prob(
            self.seller_affinity.share_halflife_days > 0,
            "seller_affinity.share_halflife_days",
            "must be at least 1",
        );
        prob(
            self.review_deletion.window_days > 0,
            "review_deletion.window_days",
            "must be at least 1",
        );
        prob(
            unit(self.review_deletion.alpha),
            "review_deletion.alpha",
            "must be in (0, 1)",
        );
        prob(
            unit(self.review_deletion.no_ticket_alpha),
            "review_deletion.no_ticket_alpha",
            "must be in (0, 1)",
        );
        prob(
            unit(self.review_deletion.signal_alpha),
            "review_deletion.signal_alpha",
            "must be in (0, 1)",
        );
        prob(
            unit(self.review_deletion.min_unexplained_rate),
            "review_deletion.min_unexplained_rate",
            "must be in (0, 1)",
        );
        prob(
            self.reactivation.window_days > 0,
            "reactivation.window_days",
            "must be at least 1",
        );
        prob(
            self.volume.baseline_days > 0,
            "volume.baseline_days",
            "must be at least 1",
        );
        prob(
            unit(self.volume.peer_quantile),
            "volume.peer_quantile",
            "must be in (0, 1)",
        );
        prob(
            self.beneficiary.window_days > 0,
            "beneficiary.window_days",
            "must be at least 1",
        );
        prob(
            self.departing.lookback_days > 0,
            "departing.lookback_days",
            "must be at least 1",
        );
        prob(
            unit(self.departing.alpha),
            "departing.alpha",
            "must be in (0, 1)",
        );
        prob(
            self.departing.ratio >= 1.0,
            "departing.ratio",
            "must be at least 1",
        );
        prob(
            self.guard_denials.window_hours > 0,
            "guard_denials.window_hours",
            "must be at least 1",
        );
        prob(
            self.guard_denials.min_denials > 0
                && self.guard_denials.high_denials >= self.guard_denials.min_denials,
            "guard_denials.min_denials",
            "must be at least 1 and at most `guard_denials.high_denials`",
        );
        prob(
            self.risk.half_life_days > 0.0,
            "risk.half_life_days",
            "must be positive",
        );
        prob(
            (0.0..=1.0).contains(&self.risk.other_weight),
            "risk.other_weight",
            "must be in [0, 1]",
        );
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_round_trip() {
        let c = DetectConfig::default();
        assert!(c.problems().is_empty(), "{:?}", c.problems());
        let json = serde_json::to_string(&c).unwrap();
        let back: DetectConfig = serde_json::from_str(&json).unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn unknown_keys_are_rejected_and_partial_tables_default() {
        let err = serde_json::from_str::<DetectConfig>(r#"{"volume":{"min_custmers":3}}"#);
        assert!(err.is_err());
        let c: DetectConfig = serde_json::from_str(r#"{"volume":{"min_customers":3}}"#).unwrap();
        assert_eq!(c.volume.min_customers, 3);
        assert_eq!(c.volume.baseline_days, 28);
    }

    #[test]
    fn problems_are_reported_together() {
        let mut c = DetectConfig::default();
        c.seller_affinity.alpha = 2.0;
        c.risk.half_life_days = 0.0;
        assert_eq!(c.problems().len(), 2);
        c.beneficiary.ring_alpha = 0.0;
        c.review_deletion.min_unexplained_rate = 1.5;
        c.departing.alpha = 0.0;
        c.purpose_violation.min_reason_rate = -1.0;
        c.review_deletion.no_ticket_alpha = 1.0;
        let p = c.problems();
        assert_eq!(p.len(), 7, "{p:?}");
        for key in ["beneficiary.ring_alpha", "review_deletion.no_ticket_alpha"] {
            assert!(
                p.iter().any(|x| x.contains(&format!("`detect.{key}`"))),
                "{p:?}"
            );
        }
    }

    #[test]
    fn one_query_may_never_make_a_burst_alone() {
        let mut c = DetectConfig::default();
        c.purpose_violation.burst_query_customers = c.purpose_violation.burst_min_customers;
        let p = c.problems();
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].contains("`detect.purpose_violation.burst_query_customers`")
                && p[0].contains("below burst_min_customers"),
            "{p:?}"
        );
        c.purpose_violation.burst_query_customers = 0;
        assert_eq!(c.problems().len(), 1);
    }

    #[test]
    fn a_habit_rate_outside_zero_to_one_is_refused_zero_switches_it_off() {
        let mut c = DetectConfig::default();
        for bad in [1.5, -0.1, f64::NAN] {
            c.purpose_violation.habit_rate = bad;
            let p = c.problems();
            assert_eq!(p.len(), 1, "{p:?}");
            assert!(
                p[0].contains("`detect.purpose_violation.habit_rate`"),
                "{p:?}"
            );
        }
        c.purpose_violation.habit_rate = 0.0;
        assert!(c.problems().is_empty());
    }

    #[test]
    fn a_prior_of_zero_or_less_or_nan_is_refused() {
        type Prior = fn(&mut DetectConfig) -> &mut f64;
        let priors: [(&str, Prior); 3] = [
            ("purpose_violation.prior_accesses", |c| {
                &mut c.purpose_violation.prior_accesses
            }),
            ("seller_affinity.own_prior_accesses", |c| {
                &mut c.seller_affinity.own_prior_accesses
            }),
            ("seller_affinity.own_history_prior_accesses", |c| {
                &mut c.seller_affinity.own_history_prior_accesses
            }),
        ];
        for (key, prior) in priors {
            let mut c = DetectConfig::default();
            for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
                *prior(&mut c) = bad;
                let p = c.problems();
                assert_eq!(p.len(), 1, "{p:?}");
                assert!(p[0].contains(&format!("`detect.{key}`")), "{p:?}");
            }
            *prior(&mut c) = 0.5;
            assert!(c.problems().is_empty());
        }
    }

    #[test]
    fn shared_record_days_must_fit_the_window_unless_shared_records_are_off() {
        let mut c = DetectConfig::default();
        for bad in [0, 31] {
            c.world.shared_record_days = bad;
            let p = c.problems();
            assert_eq!(p.len(), 1, "{p:?}");
            assert!(p[0].contains("`detect.world.shared_record_days`"), "{p:?}");
        }
        c.world.shared_record_employees = 0;
        assert!(c.problems().is_empty());
    }

    #[test]
    fn a_seller_surge_below_a_usual_day_is_refused() {
        let mut c = DetectConfig::default();
        c.world.seller_surge_factor = 0.5;
        let p = c.problems();
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].contains("`detect.world.seller_surge_min`"), "{p:?}");
        c.world.seller_surge_factor = f64::NAN;
        assert_eq!(c.problems().len(), 1);
        c.world.seller_surge_factor = 5.0;
        c.world.seller_surge_min = 0;
        assert_eq!(c.problems().len(), 1);
    }
}
