fn main() -> std::process::ExitCode {
    ocgen::cli::main()
}
