//! The `Error` enum: a `std::error::Error` whose messages name what was
//! wrong and the sizes involved.

use lensdiff::Error;

#[test]
fn error_is_a_std_error_with_messages() {
    let cases = vec![
        (
            Error::DimensionMismatch {
                op: "compose",
                expected: 3,
                found: 4,
            },
            "compose: dimension mismatch: expected 3, found 4",
        ),
        (
            Error::NotPositiveDefinite {
                pivot: 2,
                value: -0.5,
            },
            "matrix is not positive definite: pivot 2 is -5e-1",
        ),
        (
            Error::Singular { column: 7 },
            "matrix is singular: no nonzero pivot in column 7",
        ),
        (
            Error::NonFinite {
                what: "x",
                index: Some(3),
            },
            "x is not finite (first at index 3)",
        ),
        (
            Error::NonFinite {
                what: "f(x)",
                index: None,
            },
            "f(x) is not finite",
        ),
        (
            Error::BandwidthTooSmall {
                k: 1,
                residual: 0.25,
                detected: Some(2),
            },
            "half-bandwidth 1 is too small: verification residual 2.50e-1; the sparsity tracer \
             finds half-bandwidth 2 (extract with k = 2, or use the sparse path, \
             Newton::minimize_sparse / minimize_auto, when that band is wide)",
        ),
        (
            Error::LineSearchFailed {
                iteration: 4,
                step: 0.125,
            },
            "line search failed to decrease the objective at iteration 4 (last step 1.25e-1)",
        ),
        (
            Error::ShiftFailed { tau: 1e8 },
            "regularised factorisation failed for every shift up to 1e8",
        ),
        (
            Error::InvalidArgument {
                op: "newton",
                reason: "tolerance must be positive".into(),
            },
            "newton: invalid argument: tolerance must be positive",
        ),
    ];
    for (e, msg) in cases {
        assert_eq!(e.to_string(), msg);
        let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(e.clone());
        assert_eq!(boxed.to_string(), msg);
        assert!(boxed.source().is_none());
    }
    fn question_mark() -> Result<(), Box<dyn std::error::Error>> {
        Err(Error::Singular { column: 0 })?;
        Ok(())
    }
    assert!(question_mark().is_err());
}
