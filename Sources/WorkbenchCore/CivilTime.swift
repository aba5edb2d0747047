/// Calendar fields of an instant in UTC, computed arithmetically (Howard Hinnant's
/// days-from-civil algorithm) so that formatting needs no Calendar, locale or time zone.
public struct CivilTime: Equatable, Sendable {
    public var year: Int, month: Int, day: Int
    public var hour: Int, minute: Int, second: Int, millisecond: Int

    public init(secondsSince1970: Double) {
        let totalMilliseconds = Int64((secondsSince1970 * 1000).rounded())
        let msPerDay: Int64 = 86_400_000
        var days = totalMilliseconds / msPerDay
        var msOfDay = totalMilliseconds % msPerDay
        if msOfDay < 0 { msOfDay += msPerDay; days -= 1 }
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        day = Int(dayOfYear - (153 * monthIndex + 2) / 5 + 1)
        month = Int(monthIndex < 10 ? monthIndex + 3 : monthIndex - 9)
        year = Int(yearOfEra + era * 400 + (month <= 2 ? 1 : 0))
        hour = Int(msOfDay / 3_600_000)
        minute = Int(msOfDay / 60000 % 60)
        second = Int(msOfDay / 1000 % 60)
        millisecond = Int(msOfDay % 1000)
    }

    /// `2026-11-25T10:13:05.123Z`
    public var iso8601: String {
        "\(pad(year, 4))-\(pad(month))-\(pad(day))T\(pad(hour)):\(pad(minute)):\(pad(second)).\(pad(millisecond, 3))Z"
    }

    /// `2026-11-25 10:13` — short enough for a table column.
    public var shortDisplay: String { "\(pad(year, 4))-\(pad(month))-\(pad(day)) \(pad(hour)):\(pad(minute))" }

    /// `20261125-101305` — sortable and safe in file names and identifiers.
    public var compactStamp: String { "\(pad(year, 4))\(pad(month))\(pad(day))-\(pad(hour))\(pad(minute))\(pad(second))" }

    private func pad(_ value: Int, _ width: Int = 2) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}

/// A duration as people read it in a table: `850ms`, `12.4s`, `3m07s`, `2h05m`.
public func formatDuration(seconds: Double) -> String {
    if seconds < 1 { return "\(Int((seconds * 1000).rounded()))ms" }
    if seconds < 60 { return "\((seconds * 10).rounded() / 10)s" }
    let whole = Int(seconds.rounded())
    if whole < 3600 { return "\(whole / 60)m" + (whole % 60 < 10 ? "0" : "") + "\(whole % 60)s" }
    return "\(whole / 3600)h" + (whole / 60 % 60 < 10 ? "0" : "") + "\(whole / 60 % 60)m"
}
