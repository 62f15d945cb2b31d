//! The BENCH objectives against hand-written formulas (an oracle that does
//! not go through the library): chain1's value and gradient.

#[path = "../../benches/common/chain1_hand.rs"]
mod chain1_hand;

use chain1_hand::{chain1_hand, chain1_hand_grad};
use lensdiff::problems::{Chain1, Problem};
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
