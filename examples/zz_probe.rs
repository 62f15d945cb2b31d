use lensdiff::engine::Engine;
use lensdiff::problems::{by_name, Problem};
use lensdiff::{Objective, grad};
use lensdiff::objective::Cached;
use std::time::Instant;
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let name = a[1].clone();
    let n: usize = a[2].parse().unwrap();
    let mode = a[3].clone();
    let tile: Option<usize> = a.get(4).and_then(|s| s.parse().ok());
    let p = by_name(&name, n).unwrap();
    let x = p.x0();
    let obj = Cached::new(p);
    let f = obj.lens::<f64>();
    let e = if mode == "whole" { Engine::whole_vector() } else { Engine { threads: Some(mode.parse().unwrap()), tile, ..Engine::default() } };
    e.scope(|| {
        let mut best = f64::INFINITY;
        for _ in 0..30 {
            let t = Instant::now();
            let g = grad(&f, &x);
            std::hint::black_box(g);
            best = best.min(t.elapsed().as_secs_f64());
        }
        let mut bf = f64::INFINITY;
        for _ in 0..30 {
            let t = Instant::now();
            std::hint::black_box(f.eval(&x));
            bf = bf.min(t.elapsed().as_secs_f64());
        }
        println!("{name} {mode} tile {tile:?}: grad {:.2} ms  f {:.2} ms", best * 1e3, bf*1e3);
    });
}
