//! A component exporting only `perft`, so the benchmarks can time the chess
//! move generator inside the sandbox against the same code run natively.
//! Not part of the plugin contract.

#[cfg(target_arch = "wasm32")]
// wit-bindgen's generated glue is unsafe by nature.
#[allow(unsafe_code)]
mod component {
    wit_bindgen::generate!({
        inline: "
            package gamehost:bench;
            world perft {
                /// Leaf count `depth` plies below the position `fen`; 0 for a bad FEN.
                export perft: func(fen: string, depth: u32) -> u64;
            }
        ",
        world: "perft",
    });

    struct Perft;

    impl Guest for Perft {
        fn perft(fen: String, depth: u32) -> u64 {
            match gamehost_chess::Position::from_fen(&fen) {
                Ok(position) => gamehost_chess::perft(&position, depth),
                Err(_) => 0,
            }
        }
    }

    export!(Perft);
}
