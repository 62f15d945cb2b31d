//! The result of a check: the largest error of each comparison, where it
//! occurred, and the tolerance it was held to.

use std::fmt;

/// One comparison, with its worst case over every entry and direction tried.
///
/// ```
/// use lensdiff::check::Report;
/// let mut r = Report::new("demo");
/// r.record("forward = reverse", Some("forward"), 1e-17, 1e-13, "x = [1.0]", "e_0");
/// let c = &r.checks()[0];
/// assert!(c.passed() && c.error == 1e-17);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// What was compared.
    pub name: String,
    /// The mode it ran in, where it matters.
    pub mode: Option<&'static str>,
    /// The largest error found (the one worst against its tolerance).
    pub error: f64,
    /// The tolerance that error was held to.
    pub tolerance: f64,
    /// The input at which the worst case occurred.
    pub input: String,
    /// The direction (tangent, cotangent, Jacobian entry) of the worst case.
    pub direction: String,
    /// How many comparisons were folded into this one.
    pub count: usize,
}

impl Check {
    /// `error ≤ tolerance` (and the error is not NaN).
    ///
    /// ```
    /// use lensdiff::check::Report;
    /// let mut r = Report::new("demo");
    /// r.record("value", None, f64::NAN, 1.0, "", "");
    /// assert!(!r.checks()[0].passed());
    /// ```
    pub fn passed(&self) -> bool {
        self.error <= self.tolerance
    }

    fn badness(&self) -> f64 {
        if self.error.is_nan() {
            f64::INFINITY
        } else if self.tolerance > 0.0 {
            self.error / self.tolerance
        } else if self.error > 0.0 {
            f64::INFINITY
        } else {
            0.0
        }
    }
}

/// Every comparison a check made; [`Report::assert_ok`] panics with the
/// whole report when one failed.
///
/// ```
/// use lensdiff::check::Report;
/// let mut r = Report::new("f");
/// r.record("adjointness", Some("reverse"), 3e-16, 1e-13, "x = [0.5]", "t = [1.0]");
/// r.record("adjointness", Some("reverse"), 2e-3, 1e-13, "x = [0.7]", "t = [-1.0]");
/// assert!(!r.passed());
/// let c = &r.checks()[0]; // the worst case is kept
/// assert_eq!((c.error, c.count, c.input.as_str()), (2e-3, 2, "x = [0.7]"));
/// assert!(r.to_string().contains("FAILED"));
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Report {
    /// What was checked (a map's name, a law).
    pub subject: String,
    checks: Vec<Check>,
    skipped: Vec<String>,
}

impl Report {
    /// An empty report about `subject`.
    ///
    /// ```
    /// use lensdiff::check::Report;
    /// assert!(Report::new("f").passed());
    /// ```
    pub fn new(subject: impl Into<String>) -> Self {
        Report {
            subject: subject.into(),
            checks: Vec::new(),
            skipped: Vec::new(),
        }
    }

    /// Records one comparison; comparisons of the same name and mode are
    /// folded into one entry that keeps the worst case.
    ///
    /// ```
    /// use lensdiff::check::Report;
    /// let mut r = Report::new("f");
    /// r.record("value", None, 0.0, 0.0, "x = []", "");
    /// assert!(r.passed());
    /// ```
    pub fn record(
        &mut self,
        name: &str,
        mode: Option<&'static str>,
        error: f64,
        tolerance: f64,
        input: impl fmt::Display,
        direction: impl fmt::Display,
    ) {
        let new = Check {
            name: name.to_string(),
            mode,
            error,
            tolerance,
            input: input.to_string(),
            direction: direction.to_string(),
            count: 1,
        };
        match self
            .checks
            .iter_mut()
            .find(|c| c.name == name && c.mode == mode)
        {
            Some(c) => {
                let count = c.count + 1;
                if new.badness() > c.badness() {
                    *c = new;
                }
                c.count = count;
            }
            None => self.checks.push(new),
        }
    }

    /// Notes that a case could not be checked (a value that is not finite
    /// or too large to compare).
    ///
    /// ```
    /// use lensdiff::check::Report;
    /// let mut r = Report::new("f");
    /// r.skip("f(x) = inf");
    /// assert!(r.is_skipped() && !r.passed());
    /// ```
    pub fn skip(&mut self, why: impl Into<String>) {
        self.skipped.push(why.into());
    }

    /// Whether some case was skipped.
    ///
    /// ```
    /// use lensdiff::check::Report;
    /// assert!(!Report::new("f").is_skipped());
    /// ```
    pub fn is_skipped(&self) -> bool {
        !self.skipped.is_empty()
    }

    /// The reasons cases were skipped.
    ///
    /// ```
    /// use lensdiff::check::Report;
    /// let mut r = Report::new("f");
    /// r.skip("too large");
    /// assert_eq!(r.skipped(), ["too large".to_string()]);
    /// ```
    pub fn skipped(&self) -> &[String] {
        &self.skipped
    }

    /// Every comparison, in the order first recorded.
    ///
    /// ```
    /// use lensdiff::check::Report;
    /// assert!(Report::new("f").checks().is_empty());
    /// ```
    pub fn checks(&self) -> &[Check] {
        &self.checks
    }

    /// The comparisons that failed.
    ///
    /// ```
    /// use lensdiff::check::Report;
    /// let mut r = Report::new("f");
    /// r.record("a", None, 1.0, 0.5, "", "");
    /// r.record("b", None, 0.1, 0.5, "", "");
    /// assert_eq!(r.failures().count(), 1);
    /// ```
    pub fn failures(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| !c.passed())
    }

    /// Nothing failed, nothing was skipped, and something was compared.
    ///
    /// ```
    /// use lensdiff::check::Report;
    /// let mut r = Report::new("f");
    /// r.record("a", None, 0.0, 1e-12, "", "");
    /// assert!(r.passed());
    /// ```
    pub fn passed(&self) -> bool {
        !self.is_skipped() && self.checks.iter().all(Check::passed)
    }

    /// Appends another report's comparisons (and skips).
    ///
    /// ```
    /// use lensdiff::check::Report;
    /// let mut a = Report::new("a");
    /// let mut b = Report::new("b");
    /// b.record("x", None, 2.0, 1.0, "", "");
    /// a.merge(b);
    /// assert!(!a.passed());
    /// ```
    pub fn merge(&mut self, other: Report) {
        for c in other.checks {
            let name = if other.subject.is_empty() || other.subject == self.subject {
                c.name.clone()
            } else {
                format!("{}: {}", other.subject, c.name)
            };
            match self
                .checks
                .iter_mut()
                .find(|d| d.name == name && d.mode == c.mode)
            {
                Some(d) => {
                    let count = d.count + c.count;
                    if c.badness() > d.badness() {
                        *d = Check { name, ..c };
                    }
                    d.count = count;
                }
                None => self.checks.push(Check { name, ..c }),
            }
        }
        self.skipped.extend(other.skipped);
    }

    /// Panics with the whole report unless it [passed](Self::passed).
    ///
    /// ```should_panic
    /// use lensdiff::check::Report;
    /// let mut r = Report::new("f");
    /// r.record("forward = reverse", None, 1.0, 1e-13, "x = [0.0]", "e_0");
    /// r.assert_ok(); // panics, printing the report
    /// ```
    #[track_caller]
    pub fn assert_ok(&self) {
        if !self.passed() {
            panic!("{self}");
        }
    }

    /// `Ok(())` if the report passed, otherwise `Err` with the report.
    ///
    /// ```
    /// use lensdiff::check::Report;
    /// let mut r = Report::new("f");
    /// r.record("a", None, 0.0, 1.0, "", "");
    /// assert!(r.into_result().is_ok());
    /// ```
    pub fn into_result(self) -> Result<(), Report> {
        if self.passed() { Ok(()) } else { Err(self) }
    }
}

/// The failing comparisons first, each with its input and direction;
/// when something failed, the passing ones only as a count unless the
/// alternate form `{:#}` is asked for (every comparison, in order).
///
/// ```
/// use lensdiff::check::Report;
/// let mut r = Report::new("f");
/// r.record("value", None, 0.0, 1e-12, "x", "");
/// r.record("adjointness", None, 1.0, 1e-12, "x = (1)", "t = (1)");
/// let short = r.to_string();
/// assert!(short.lines().nth(1).unwrap().contains("FAIL adjointness"));
/// assert!(!short.contains("ok   value") && short.contains("1 passing comparison"));
/// assert!(format!("{r:#}").contains("ok   value"));
/// ```
impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let failed = self.failures().count();
        let status = if failed > 0 {
            "FAILED"
        } else if self.is_skipped() {
            "SKIPPED"
        } else {
            "passed"
        };
        writeln!(
            f,
            "check of {}: {status} ({} comparisons, {failed} failed)",
            self.subject,
            self.checks.len()
        )?;
        for c in self.failures() {
            write_check(f, c)?;
        }
        for why in &self.skipped {
            writeln!(f, "  skipped: {why}")?;
        }
        let passing = self.checks.len() - failed;
        if failed == 0 || f.alternate() {
            for c in self.checks.iter().filter(|c| c.passed()) {
                write_check(f, c)?;
            }
        } else if passing > 0 {
            writeln!(
                f,
                "  and {passing} passing comparison{} (`{{:#}}` lists them)",
                if passing == 1 { "" } else { "s" }
            )?;
        }
        Ok(())
    }
}

/// One comparison's line, with its input and direction when it failed.
fn write_check(f: &mut fmt::Formatter<'_>, c: &Check) -> fmt::Result {
    let mark = if c.passed() { "ok  " } else { "FAIL" };
    let mode = c.mode.map(|m| format!(" [{m}]")).unwrap_or_default();
    writeln!(
        f,
        "  {mark} {}{mode}: largest error {:.3e} (tolerance {:.3e}, {} case{})",
        c.name,
        c.error,
        c.tolerance,
        c.count,
        if c.count == 1 { "" } else { "s" }
    )?;
    if !c.passed() {
        writeln!(f, "       at {}", c.input)?;
        if !c.direction.is_empty() {
            writeln!(f, "       direction {}", c.direction)?;
        }
    }
    Ok(())
}

impl std::error::Error for Report {}
