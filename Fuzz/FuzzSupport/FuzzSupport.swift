// What every fuzz target shares: handing its per-input check to libFuzzer (STYLE.md §5). Each target
// still declares its own `@_cdecl("<Target>_main")` entry point, the symbol SwiftPM calls, and passes
// its argc/argv here.

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// Runs libFuzzer with the command line `argc`/`argv`, calling `check` on every input; its exit code.
public func runFuzzer(
    _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
    _ check: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt {
    var c = argc
    var v = argv
    return LLVMFuzzerRunDriver(&c, &v, check)
}
