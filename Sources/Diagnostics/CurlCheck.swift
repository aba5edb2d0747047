import CCurl

/// Checks the libcurl the workbench is linked against: version, TLS, HTTP/2, and AWS SigV4
/// signing (`CURLOPT_AWS_SIGV4`, libcurl ≥ 7.75), which the cloud backends need.
public enum CurlCheck {
    // Feature bits of curl_version_info_data.features (curl.h); function-like macros in
    // curl.h do not reach Swift, so they are restated here.
    static let featureSSL: Int32 = 1 << 2
    static let featureLibz: Int32 = 1 << 3
    static let featureAsyncDNS: Int32 = 1 << 7
    static let featureHTTP2: Int32 = 1 << 16

    public static func run() -> CheckResult {
        _ = wb_curl_global_init_default()
        guard let info = wb_curl_version_info()?.pointee else {
            return CheckResult(component: "libcurl", status: .fail, summary: "curl_version_info returned nothing",
                               fix: "apt-get install libcurl4-openssl-dev")
        }
        let version = String(cString: info.version)
        let tls = info.ssl_version.map { String(cString: $0) }
        var protocols: [String] = []
        if var cursor = info.protocols {
            while let name = cursor.pointee {
                protocols.append(String(cString: name))
                cursor += 1
            }
        }
        let features = info.features
        let http2 = features & featureHTTP2 != 0
        let sigV4 = supportsSigV4()
        var details = [
            "version": version, "tls": tls ?? "none", "http2": String(http2),
            "libz": String(features & featureLibz != 0), "async_dns": String(features & featureAsyncDNS != 0),
            "aws_sigv4": String(sigV4), "protocols": protocols.joined(separator: ","),
        ]
        if let nghttp2 = info.nghttp2_version { details["nghttp2"] = String(cString: nghttp2) }

        var missing: [String] = []
        if features & featureSSL == 0 || !protocols.contains("https") { missing.append("TLS (https)") }
        if !sigV4 { missing.append("AWS SigV4 signing (needs libcurl ≥ 7.75)") }
        if !missing.isEmpty {
            return CheckResult(component: "libcurl", status: .fail,
                               summary: "libcurl \(version) lacks \(missing.joined(separator: " and "))", details: details,
                               fix: "apt-get install libcurl4-openssl-dev (OpenSSL flavour, 7.75 or newer)")
        }
        let summary = "libcurl \(version), \(tls ?? "no TLS")" + (http2 ? ", HTTP/2" : "") + ", AWS SigV4"
        if !http2 {
            return CheckResult(component: "libcurl", status: .warn, summary: summary + ", no HTTP/2", details: details,
                               fix: "install a libcurl built with nghttp2 for HTTP/2 multiplexing")
        }
        return CheckResult(component: "libcurl", status: .ok, summary: summary, details: details)
    }

    /// Asks a real handle to accept the option: an unknown one answers CURLE_UNKNOWN_OPTION.
    static func supportsSigV4() -> Bool {
        guard let handle = curl_easy_init() else { return false }
        defer { curl_easy_cleanup(handle) }
        return wb_curl_easy_setopt_string(handle, CURLOPT_AWS_SIGV4, "aws:amz:us-east-1:s3") == CURLE_OK
    }
}
