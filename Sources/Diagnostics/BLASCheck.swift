import COpenBLAS
import Foundation

/// Checks OpenBLAS with a real dgemm against a plain reference product, measures its
/// throughput, and solves a small positive-definite system through LAPACK's dposv.
public enum BLASCheck {
    public static func openBLAS() -> CheckResult {
        let config = openblas_get_config().map { String(cString: $0) } ?? "unknown"
        let core = openblas_get_corename().map { String(cString: $0) } ?? "unknown"
        let threads = Int(openblas_get_num_threads())
        var details = ["config": config, "core": core, "threads": String(threads)]

        // Correctness: an odd-shaped product, checked element by element.
        let (m, k, n) = (37, 29, 23)
        let a = (0..<m * k).map { Double(($0 * 7) % 11) - 5 }
        let b = (0..<k * n).map { Double(($0 * 5) % 13) - 6 }
        var c = [Double](repeating: 0, count: m * n)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1, a, Int32(k), b, Int32(n), 0, &c, Int32(n))
        var maxError = 0.0
        for i in 0..<m {
            for j in 0..<n {
                var expected = 0.0
                for p in 0..<k { expected += a[i * k + p] * b[p * n + j] }
                maxError = max(maxError, abs(expected - c[i * n + j]))
            }
        }
        details["dgemm_max_error"] = String(maxError)
        guard maxError == 0 else {
            return CheckResult(
                component: "openblas", status: .fail,
                summary: "dgemm gave wrong results (max error \(maxError)) with core \(core)", details: details,
                fix: "set OPENBLAS_CORETYPE to an older core (e.g. Haswell) or reinstall libopenblas0")
        }

        // Throughput: a 256³ product, best of three, so the figure is not a cold-cache outlier.
        let size = 256
        let x = [Double](repeating: 1.000_1, count: size * size)
        var y = [Double](repeating: 0, count: size * size)
        var best = Double.infinity
        for _ in 0..<3 {
            let start = DispatchTime.now().uptimeNanoseconds
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(size), Int32(size), Int32(size), 1, x, Int32(size), x, Int32(size), 0, &y, Int32(size))
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        let gflops = 2 * pow(Double(size), 3) / best / 1e9
        details["dgemm_256_gflops"] = String(format: "%.1f", gflops)
        let version = config.split(separator: " ").dropFirst().first.map(String.init) ?? config
        return CheckResult(
            component: "openblas", status: .ok,
            summary: "OpenBLAS \(version), core \(core), \(threads) thread\(threads == 1 ? "" : "s"): dgemm correct, \(String(format: "%.1f", gflops)) GFLOP/s at 256³",
            details: details)
    }

    public static func lapack() -> CheckResult {
        // A = Mᵀ·M + n·I is symmetric positive definite; solve A·x = b with b = A·1, expect x = 1.
        let n = 6
        let m = (0..<n * n).map { Double(($0 * 3) % 7) - 3 }
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0..<n {
                var sum = i == j ? Double(n) : 0
                for p in 0..<n { sum += m[p * n + i] * m[p * n + j] }
                a[i * n + j] = sum
            }
        }
        var rhs = (0..<n).map { i in (0..<n).reduce(0.0) { $0 + a[i * n + $1] } }
        var factor = a
        var (order, columns, lda, ldb, info) = (Int32(n), Int32(1), Int32(n), Int32(n), Int32(0))
        var uplo = CChar(UInt8(ascii: "L"))
        dposv_(&uplo, &order, &columns, &factor, &lda, &rhs, &ldb, &info)
        let residual = rhs.map { abs($0 - 1) }.max() ?? .infinity
        let details = ["info": String(info), "max_error": String(residual)]
        guard info == 0, residual < 1e-10 else {
            return CheckResult(
                component: "lapack", status: .fail,
                summary: "dposv failed (info \(info), max error \(residual))", details: details,
                fix: "reinstall libopenblas-dev so libopenblas exports LAPACK (apt-get install --reinstall libopenblas0-pthread)")
        }
        return CheckResult(
            component: "lapack", status: .ok,
            summary: "dposv solved a \(n)×\(n) positive-definite system (max error \(String(format: "%.0e", residual)))",
            details: details)
    }
}
