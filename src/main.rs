#[global_allocator]
static ALLOCATOR: ocgen::arena::Arena = ocgen::arena::Arena::new();

fn main() -> std::process::ExitCode {
    ocgen::cli::main()
}
