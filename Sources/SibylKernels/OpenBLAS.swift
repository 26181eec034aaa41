import CBLAS

/// The OpenBLAS library Sibyl runs on: which kernel it chose for this CPU, and its thread count.
///
/// OpenBLAS picks its kernel ("core") when it loads, from the CPU or from `OPENBLAS_CORETYPE`;
/// the choice can change GEMM speed by 2×, so benchmarks print it.
public enum OpenBLAS {
    /// The core OpenBLAS chose, for example "Haswell" or "SkylakeX" (AVX-512).
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// The build configuration string, for example "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY …".
    public static var configuration: String {
        guard let config = openblas_get_config() else { return "unknown" }
        return String(cString: config).split(separator: " ").joined(separator: " ")
    }

    /// Threads OpenBLAS uses for one call. Setting it affects every later call in the process.
    public static var threadCount: Int {
        get { Int(openblas_get_num_threads()) }
        set {
            precondition(newValue >= 1, "OpenBLAS needs at least one thread, got \(newValue)")
            openblas_set_num_threads(Int32(newValue))
        }
    }
}
