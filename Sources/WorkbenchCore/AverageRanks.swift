/// Ranks 1…n with ties given their average rank (mid-ranks), and the size of each group of
/// ties in rank order: what rank tests and Spearman's correlation both start from.
public func averageRanks(_ values: [Double]) -> (ranks: [Double], tieSizes: [Int]) {
    let order = values.indices.sorted { values[$0] < values[$1] }
    var ranks = [Double](repeating: 0, count: values.count)
    var tieSizes: [Int] = []
    var start = 0
    while start < order.count {
        var end = start
        while end + 1 < order.count, values[order[end + 1]] == values[order[start]] { end += 1 }
        let rank = Double(start + end) / 2 + 1
        for position in start...end { ranks[order[position]] = rank }
        tieSizes.append(end - start + 1)
        start = end + 1
    }
    return (ranks, tieSizes)
}
