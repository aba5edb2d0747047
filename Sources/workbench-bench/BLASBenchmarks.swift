import COpenBLAS
import Foundation

/// OpenBLAS's own dgemm peak on this machine: the yardstick later GEMM-heavy code
/// (the quality predictor, the MLP) reports its GFLOP/s against.
enum BLASBenchmarks {
    static func run(into report: inout BenchReport) {
        for size in [256, 1024] {
            let a = (0..<size * size).map { Double($0 % 97) / 97 }
            let b = (0..<size * size).map { Double($0 % 89) / 89 }
            var c = [Double](repeating: 0, count: size * size)
            var best = Double.infinity
            for _ in 0..<(size <= 256 ? 20 : 3) {
                best = min(best, measure {
                    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(size), Int32(size), Int32(size),
                                1, a, Int32(size), b, Int32(size), 0, &c, Int32(size))
                })
            }
            let threads = openblas_get_num_threads()
            report.add("openblas", "dgemm \(size)³, \(threads) threads, best", 2 * pow(Double(size), 3) / best / 1e9, "GFLOP/s")
        }
    }
}
