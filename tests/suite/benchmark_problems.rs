//! The BENCH objectives against hand-written formulas (an oracle that does
//! not go through the library): chain1's value and gradient.

#[path = "../../benches/common/chain1_hand.rs"]
mod chain1_hand;

use crate::problems::{Chain1, Problem};
use chain1_hand::{chain1_hand, chain1_hand_grad};
use lensdiff::{Objective, value_and_grad};
use nalgebra::DVector;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn chain1_value_and_gradient_match_the_hand_written_ones(
        x in prop::collection::vec(-2.0f64..2.0, 1..300)
    ) {
        let n = x.len();
        let f = Chain1::new(n).lens::<f64>();
        let x = DVector::from_vec(x);
        let (v, g) = value_and_grad(&f, &x);
        let mut hg = vec![0.0; n];
        chain1_hand_grad(x.as_slice(), &mut hg);
        let hv = chain1_hand(x.as_slice());
        prop_assert!((v - hv).abs() <= 1e-12 * hv.abs().max(1.0));
        for i in 0..n {
            prop_assert!((g[i] - hg[i]).abs() <= 1e-12 * hg[i].abs().max(1.0), "i = {}", i);
        }
    }
}

#[test]
fn chain1_at_its_starting_point() {
    let p = Chain1::new(1000);
    let x = p.x0();
    let (v, g) = value_and_grad(&p.lens::<f64>(), &x);
    let mut hg = vec![0.0; 1000];
    chain1_hand_grad(x.as_slice(), &mut hg);
    assert!((v - chain1_hand(x.as_slice())).abs() < 1e-10);
    assert!(g.iter().zip(&hg).all(|(a, b)| (a - b).abs() < 1e-13));
}
/// The examples that were the documentation of `accel2`.
#[test]
fn accel2_documented_facts() {
    {
        use crate::problems::{Accel2, Problem};
        let p = Accel2::new(4);
        let x = p.x0();
        let f = p.lens::<f64>().eval(&x);
        let by_hand: f64 = (1..3)
            .map(|i| 0.5 * (x[i + 1] - 2.0 * x[i] + x[i - 1]).powi(2))
            .sum::<f64>()
            + x.iter().map(|t| (1.0 + t * t).ln()).sum::<f64>()
            + (0..4)
                .map(|i| 0.5 * (x[i] - (0.01 * i as f64).sin()).powi(2))
                .sum::<f64>();
        assert!((f - by_hand).abs() < 1e-14);
    }
    {
        use crate::problems::{Accel2, Problem};
        assert_eq!(Accel2::new(5).n(), 5);
    }
}

/// The examples that were the documentation of `cartpole`.
#[test]
fn cartpole_documented_facts() {
    {
        use crate::problems::Cartpole;
        use lensdiff::{Expr, Objective};
        let p = Cartpole::new(10);
        assert_eq!((p.n(), p.m()), (55, 48));
        // At the linear-interpolation start u = 0: zero effort, and the
        // boundary rows hold exactly.
        let z = p.x0();
        assert_eq!(p.lens::<f64>().eval(&z), 0.0);
        let c: lensdiff::DFun<_, nalgebra::DVector<f64>> =
            p.constraints().build(Expr::var()).compile();
        let cz = c.eval(&z);
        assert_eq!(cz.len(), 48);
        assert!(cz.rows(40, 8).amax() < 1e-15);
    }
    {
        assert_eq!(crate::problems::Cartpole::new(100).segments(), 100);
    }
    {
        assert_eq!(crate::problems::Cartpole::new(7).segments(), 7);
    }
    {
        assert_eq!(crate::problems::Cartpole::new(100).n(), 505);
    }
    {
        assert_eq!(crate::problems::Cartpole::new(100).m(), 408);
    }
    {
        assert_eq!(crate::problems::Cartpole::new(4).h(), 0.5);
    }
    {
        assert_eq!(crate::problems::Cartpole::new(4).final_time(), 2.0);
    }
    {
        assert_eq!(crate::problems::Cartpole::pole_length(), 0.5);
    }
    {
        let z = crate::problems::Cartpole::new(2).x0();
        assert_eq!(
            z.as_slice()[5..10],
            [0.5, std::f64::consts::FRAC_PI_2, 0.0, 0.0, 0.0]
        );
    }
}

/// The examples that were the documentation of `chain1`.
#[test]
fn chain1_documented_facts() {
    {
        use crate::problems::{Chain1, Problem};
        let p = Chain1::new(3);
        let x = p.x0();
        let f = p.lens::<f64>().eval(&x);
        let by_hand: f64 = (0..2)
            .map(|i| 0.5 * (x[i + 1] - x[i]).powi(2) + 0.1 * (x[i] * x[i + 1]).sin())
            .sum::<f64>()
            + x.iter()
                .map(|t| 0.25 * t.powi(4) - 0.5 * t * t + 0.1 * (3.0 * t).cos())
                .sum::<f64>();
        assert!((f - by_hand).abs() < 1e-14);
    }
    {
        use crate::problems::{Chain1, Problem};
        assert_eq!(Chain1::new(7).n(), 7);
    }
}

/// The examples that were the documentation of `mod`.
#[test]
fn mod_documented_facts() {
    {
        use crate::problems::{Chain1, Problem};
        let p = Chain1::new(10);
        assert_eq!((p.n(), p.bandwidth(), p.x0().len()), (10, 1, 10));
    }
    {
        use crate::problems::{Problem, by_name};
        let p = by_name("accel2", 100).unwrap();
        assert_eq!(p.bandwidth(), 2);
        assert!(by_name("nope", 10).is_err());
    }
}

/// The examples that were the documentation of `orbit`.
#[test]
fn orbit_documented_facts() {
    {
        use crate::problems::{Orbit, Problem};
        let p = Orbit::new(8);
        let x = p.x0();
        let (m, t) = (8.0_f64, x[16].exp());
        let pt = |i: usize| (x[2 * (i % 8)], x[2 * (i % 8) + 1]);
        let mut by_hand = t;
        for i in 0..8 {
            let (a, b, c) = (pt(i + 7), pt(i), pt(i + 1));
            let acc = (c.0 - 2.0 * b.0 + a.0).powi(2) + (c.1 - 2.0 * b.1 + a.1).powi(2);
            by_hand += m.powi(3) / t.powi(3) * acc;
            for (cx, cy) in [(0.7, 0.7), (-0.7, -0.7)] {
                by_hand += t / m * 10.0 * (-((b.0 - cx).powi(2) + (b.1 - cy).powi(2)) / 0.05).exp();
            }
        }
        for (k, (wx, wy)) in [(1.0, 0.0), (0.0, 1.0), (-1.0, 0.0), (0.0, -1.0)]
            .into_iter()
            .enumerate()
        {
            let (u, v) = pt(2 * k);
            by_hand += 100.0 * ((u - wx).powi(2) + (v - wy).powi(2));
        }
        assert!((p.lens::<f64>().eval(&x) - by_hand).abs() < 1e-10 * by_hand);
    }
    {
        use crate::problems::{Orbit, Problem};
        assert_eq!(Orbit::new(10).n(), 21);
    }
    {
        use crate::problems::Orbit;
        assert_eq!(Orbit::new(10).points(), 10);
    }
    {
        use crate::problems::Orbit;
        assert_eq!(Orbit::obstacles().len(), 2);
    }
    {
        use crate::problems::Orbit;
        assert_eq!(Orbit::new(8).waypoints()[1], (2, (0.0, 1.0)));
    }
}

/// The examples that were the documentation of `robot2d`.
#[test]
fn robot2d_documented_facts() {
    {
        use crate::problems::{Problem, Robot2d};
        use lensdiff::Objective;
        let p = Robot2d::new(5);
        let x = p.x0();
        let m = 5.0_f64;
        let pt = |i: usize| (x[2 * i], x[2 * i + 1]);
        let mut by_hand = 0.0;
        for i in 1..4 {
            let (a, b, c) = (pt(i - 1), pt(i), pt(i + 1));
            by_hand +=
                0.5 * m * m * ((c.0 - 2.0 * b.0 + a.0).powi(2) + (c.1 - 2.0 * b.1 + a.1).powi(2));
        }
        for i in 0..5 {
            let (u, v) = pt(i);
            by_hand += 10.0 * (-((u - 0.5).powi(2) + (v - 0.5).powi(2)) / 0.05).exp();
        }
        by_hand +=
            100.0 * (x[0].powi(2) + x[1].powi(2) + (x[8] - 1.0).powi(2) + (x[9] - 1.0).powi(2));
        assert!((p.lens::<f64>().eval(&x) - by_hand).abs() < 1e-12);
    }
    {
        use crate::problems::{Problem, Robot2d};
        assert_eq!(Robot2d::new(8).n(), 16);
    }
    {
        use crate::problems::Robot2d;
        assert_eq!(Robot2d::new(8).points(), 8);
    }
}
