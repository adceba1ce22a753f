//! The employees: roles, teams, sites and time zones, shifts, leave, and
//! the HR changes of the period (hires, role changes, leavers).

use crate::config::SimConfig;
use crate::rng::{self, SimRng};
use custos_core::event::LeaveReason;
use rand::seq::SliceRandom;

/// Sites and their UTC offsets in minutes (fixed: no daylight saving).
pub(crate) const SITES: &[(&str, i32)] = &[
    ("DUB", 0),
    ("SZX", 480),
    ("AUS", -360),
    ("WAW", 60),
    ("MNL", 480),
    ("BOG", -300),
    ("BLR", 330),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    CsAgent,
    Moderator,
    Specialist,
    TeamLead,
    Legal,
}

impl Role {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Role::CsAgent => "cs-agent",
            Role::Moderator => "review-moderator",
            Role::Specialist => "account-specialist",
            Role::TeamLead => "team-lead",
            Role::Legal => "legal",
        }
    }

    /// The internal tool the role works in (`attrs.tool`).
    pub(crate) fn tool(self) -> &'static str {
        match self {
            Role::CsAgent => "cs-console",
            Role::Moderator => "mod-console",
            Role::Specialist => "trust-admin",
            Role::TeamLead => "lead-console",
            Role::Legal => "legal-portal",
        }
    }
}

/// What a team works on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Group {
    Cs,
    Moderation,
    Accounts,
    Legal,
}

impl Group {
    fn prefix(self) -> &'static str {
        match self {
            Group::Cs => "cs",
            Group::Moderation => "mod",
            Group::Accounts => "acct",
            Group::Legal => "legal",
        }
    }

    pub(crate) fn role(self) -> Role {
        match self {
            Group::Cs => Role::CsAgent,
            Group::Moderation => Role::Moderator,
            Group::Accounts => Role::Specialist,
            Group::Legal => Role::Legal,
        }
    }
}

pub(crate) struct Team {
    pub name: String,
    pub group: Group,
    pub site: u8,
    /// Night on-call (22:00 to 06:00 local).
    pub night: bool,
    /// Working weekdays, bit 0 = Monday.
    pub workdays: u8,
    /// Handles the escalations of one big seller.
    pub dedicated: bool,
}

const MON_FRI: u8 = 0b0001_1111;
const WED_SUN: u8 = 0b0111_1100;
const SAT_WED: u8 = 0b0110_0111;

#[derive(Clone, Copy, Debug)]
pub(crate) struct Employee {
    /// The number in the id (`emp-<num>`).
    pub num: u32,
    pub host: u16,
    pub role: Role,
    pub team: u32,
    /// Local shift start, minutes after midnight.
    pub start_min: i32,
    pub productivity: f32,
    /// First day employed (0 for the initial staff).
    pub hire_day: i32,
    /// First day no longer employed (`i32::MAX`: stays).
    pub leave_day: i32,
    pub leave_reason: LeaveReason,
    /// Day of a role change (`i32::MAX`: none), and the new role and team.
    pub change_day: i32,
    pub new_role: Role,
    pub new_team: u32,
    /// Vacation days `[from, to)`.
    pub vacation: (i32, i32),
    /// Chance of logging in from home (VPN).
    pub remote: f32,
}

impl Employee {
    pub(crate) fn employed(&self, g: i32) -> bool {
        g >= self.hire_day && g < self.leave_day
    }

    /// Role and team on day `g`.
    pub(crate) fn at(&self, g: i32) -> (Role, u32) {
        if g >= self.change_day {
            (self.new_role, self.new_team)
        } else {
            (self.role, self.team)
        }
    }

    pub(crate) fn stable(&self) -> bool {
        self.hire_day == 0 && self.leave_day == i32::MAX && self.change_day == i32::MAX
    }
}

pub(crate) struct Staff {
    pub teams: Vec<Team>,
    pub emps: Vec<Employee>,
    pub dedicated_team: Option<u32>,
}

impl Staff {
    pub(crate) fn site_offset_min(&self, team: u32) -> i32 {
        SITES[self.teams[team as usize].site as usize].1
    }

    /// Whether the employee works on day `g` by their team's rota and
    /// their vacation (sick days are drawn by the caller).
    pub(crate) fn rostered(&self, e: usize, g: i32, abs_day0: i64) -> bool {
        let emp = &self.emps[e];
        if !emp.employed(g) || (g >= emp.vacation.0 && g < emp.vacation.1) {
            return false;
        }
        let (_, team) = emp.at(g);
        let weekday = (abs_day0 + i64::from(g) + 3).rem_euclid(7) as u8;
        self.teams[team as usize].workdays & (1 << weekday) != 0
    }
}

fn team_sizes(count: usize) -> Vec<usize> {
    let n = ((count as f64 / 11.0).round() as usize).max(1);
    (0..n)
        .map(|i| count / n + usize::from(i < count % n))
        .collect()
}

pub(crate) fn build(cfg: &SimConfig, rng: &mut SimRng) -> Staff {
    let n = cfg.employees;
    let days = cfg.days as i32;
    let months = f64::from(cfg.days) / 30.0;
    let hires = ((n as f64 * 0.025 * months).round() as usize)
        .max(usize::from(cfg.days >= 7))
        .min(n / 10);
    let initial = n - hires;
    let legal = (n / 150).clamp(2, 12);
    let rest = initial - legal;
    let n_cs = (rest as f64 * 0.77).round() as usize;
    let n_mod = (rest as f64 * 0.07).round() as usize;
    let n_acct = rest - n_cs - n_mod;
    let n_sites = (n / 60).clamp(2, SITES.len());
    let mut site_order: Vec<u8> = (0..SITES.len() as u8).collect();
    site_order.shuffle(rng);
    site_order.truncate(n_sites);

    let mut teams: Vec<Team> = Vec::new();
    let mut team_members: Vec<usize> = Vec::new();
    let mut name_counter = std::collections::BTreeMap::<(Group, u8), u32>::new();
    let mut add_team = |teams: &mut Vec<Team>, group: Group, site: u8| {
        let k = name_counter.entry((group, site)).or_insert(0);
        *k += 1;
        let name = if group == Group::Legal {
            format!("legal-{}", SITES[site as usize].0.to_lowercase())
        } else {
            format!(
                "{}-{}-{}",
                group.prefix(),
                SITES[site as usize].0.to_lowercase(),
                k
            )
        };
        teams.push(Team {
            name,
            group,
            site,
            night: false,
            workdays: MON_FRI,
            dedicated: false,
        });
        teams.len() as u32 - 1
    };
    let legal_team = add_team(&mut teams, Group::Legal, site_order[0]);
    team_members.push(legal);
    for (gi, (group, count)) in [
        (Group::Cs, n_cs),
        (Group::Moderation, n_mod),
        (Group::Accounts, n_acct),
    ]
    .into_iter()
    .enumerate()
    {
        for (k, size) in team_sizes(count).into_iter().enumerate() {
            let site = site_order[(k + gi) % n_sites];
            add_team(&mut teams, group, site);
            team_members.push(size);
        }
    }

    // Night on-call and the dedicated seller team, among customer service.
    let cs_teams: Vec<u32> = (0..teams.len() as u32)
        .filter(|&t| teams[t as usize].group == Group::Cs)
        .collect();
    let mut dedicated_team = None;
    if cfg.lookalikes && cs_teams.len() >= 3 {
        let mut shuffled = cs_teams.clone();
        shuffled.shuffle(rng);
        let nights = (cs_teams.len() / 8).max(1);
        for &t in &shuffled[..nights] {
            teams[t as usize].night = true;
        }
        let d = shuffled[nights];
        teams[d as usize].dedicated = true;
        dedicated_team = Some(d);
        for &t in &shuffled[nights + 1..] {
            if rng::chance(rng, 0.3) {
                teams[t as usize].workdays = if rng::chance(rng, 0.5) {
                    WED_SUN
                } else {
                    SAT_WED
                };
            }
        }
    }

    // Employees, team by team; the first of a team of four or more leads it.
    let mut emps = Vec::with_capacity(n);
    let mut nums: Vec<u32> = (0..n as u32).map(|i| 10_000 + i).collect();
    nums.shuffle(rng);
    let new_emp = |rng: &mut SimRng, idx: usize, role: Role, team: u32, night: bool| {
        let start_min = if night {
            22 * 60 + (rng::below(rng, 5) as i32 - 2) * 10
        } else {
            7 * 60 + rng::below(rng, 13) as i32 * 15
        };
        Employee {
            num: nums[idx],
            host: (idx % 60_000) as u16,
            role,
            team,
            start_min,
            productivity: (0.25 * rng::normal(rng)).exp().clamp(0.5, 1.8) as f32,
            hire_day: 0,
            leave_day: i32::MAX,
            leave_reason: LeaveReason::Resigned,
            change_day: i32::MAX,
            new_role: role,
            new_team: team,
            vacation: (0, 0),
            remote: if rng::chance(rng, 0.2) { 0.3 } else { 0.03 },
        }
    };
    for (t, &size) in team_members.iter().enumerate() {
        let team = &teams[t];
        for k in 0..size {
            let role = if team.group != Group::Legal && size >= 4 && k == 0 {
                Role::TeamLead
            } else {
                team.group.role()
            };
            let idx = emps.len();
            emps.push(new_emp(rng, idx, role, t as u32, team.night));
        }
    }

    // New hires join day teams of the three operational groups.
    let day_teams = |group: Group| -> Vec<u32> {
        (0..teams.len() as u32)
            .filter(|&t| teams[t as usize].group == group && !teams[t as usize].night)
            .collect()
    };
    let hire_groups = [
        (Group::Cs, day_teams(Group::Cs)),
        (Group::Moderation, day_teams(Group::Moderation)),
        (Group::Accounts, day_teams(Group::Accounts)),
    ];
    for _ in 0..hires {
        let gi = rng::weighted(rng, &[0.7, 0.15, 0.15]);
        let (group, ref options) = hire_groups[gi];
        let team = rng::pick(rng, options).unwrap_or(legal_team);
        let idx = emps.len();
        let mut e = new_emp(rng, idx, group.role(), team, false);
        e.hire_day = rng::between(rng, 1, i64::from((days - 3).max(2))) as i32;
        emps.push(e);
    }

    // Vacations.
    let p_vacation = (f64::from(cfg.days) / 150.0).min(0.8);
    for e in emps.iter_mut() {
        if rng::chance(rng, p_vacation) {
            let from = rng::between(rng, 0, i64::from(days)) as i32;
            let len = rng::between(rng, 5, 15) as i32;
            e.vacation = (from, from + len);
        }
    }

    // Leavers and role changes among the initial operational staff.
    let mut pool: Vec<usize> = (0..initial)
        .filter(|&e| emps[e].role != Role::Legal)
        .collect();
    pool.shuffle(rng);
    let leavers = ((initial as f64 * 0.025 * months).round() as usize).min(pool.len() / 4);
    let changers = ((initial as f64 * 0.015 * months).round() as usize).min(pool.len() / 4);
    for &e in &pool[..leavers] {
        let emp = &mut emps[e];
        emp.leave_day = rng::between(rng, 3, i64::from(days)) as i32;
        emp.leave_reason = match rng::weighted(rng, &[0.65, 0.2, 0.15]) {
            0 => LeaveReason::Resigned,
            1 => LeaveReason::Transferred,
            _ => LeaveReason::Terminated,
        };
    }
    for &e in &pool[leavers..leavers + changers] {
        if emps[e].role != Role::CsAgent {
            continue;
        }
        let day = rng::between(rng, 2, i64::from((days - 1).max(3))) as i32;
        let site = teams[emps[e].team as usize].site;
        let (role, group) = match rng::weighted(rng, &[0.4, 0.3, 0.3]) {
            0 => (Role::TeamLead, Group::Cs),
            1 => (Role::Moderator, Group::Moderation),
            _ => (Role::Specialist, Group::Accounts),
        };
        let options: Vec<u32> = day_teams(group)
            .into_iter()
            .filter(|&t| group == Group::Cs || teams[t as usize].site == site)
            .collect();
        let team = if role == Role::TeamLead {
            Some(emps[e].team)
        } else {
            rng::pick(rng, &options).or_else(|| rng::pick(rng, &day_teams(group)))
        };
        if let Some(team) = team {
            let emp = &mut emps[e];
            emp.change_day = day;
            emp.new_role = role;
            emp.new_team = team;
        }
    }

    Staff {
        teams,
        emps,
        dedicated_team,
    }
}
