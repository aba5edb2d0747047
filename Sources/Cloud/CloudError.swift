import Foundation
import WorkbenchCore

/// What can go wrong talking to AWS, each naming the service, the operation and what to do.
/// No case ever carries a secret: AWS's own messages name the key id at most.
public enum CloudError: WorkbenchError, Equatable {
    /// The credential chain, region, an endpoint or a deployment name is missing or invalid.
    case configuration(problem: String, fix: String)
    /// AWS answered with an error: its HTTP status, its code (`NoSuchBucket`,
    /// `AWS.SimpleQueueService.NonExistentQueue`, `ConditionalCheckFailedException`, …) and message.
    case service(service: AWSService, operation: String, status: Int, code: String, message: String)
    /// No answer: the endpoint is unreachable, or the call timed out.
    case unreachable(service: AWSService, operation: String, endpoint: String, detail: String)
    /// An answer that is not what the operation returns.
    case malformedResponse(service: AWSService, operation: String, detail: String)

    public var message: String {
        switch self {
        case .configuration(let problem, _): return problem
        case .service(let service, let operation, let status, let code, let message):
            return "\(service.rawValue) \(operation): \(code) (HTTP \(status))" + (message.isEmpty ? "" : ": \(message)")
        case .unreachable(let service, let operation, let endpoint, let detail):
            return "\(service.rawValue) \(operation): no answer from \(endpoint): \(detail)"
        case .malformedResponse(let service, let operation, let detail):
            return "\(service.rawValue) \(operation): the answer is not what the operation returns: \(detail)"
        }
    }

    public var fix: String? {
        switch self {
        case .configuration(_, let fix): return fix
        case .service(_, _, let status, let code, _):
            if Self.isAuthentication(code: code, status: status) {
                return "check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or the profile) and that the clock is right"
            }
            if Self.isMissingResource(code) { return "create the resources with `workbench cloud init`" }
            if Self.isThrottling(code: code, status: status) { return "the call was retried and still throttled: lower --parallel, or wait and run again" }
            return nil
        case .unreachable: return "check the network, AWS_REGION and AWS_ENDPOINT_URL (is moto_server running?)"
        case .malformedResponse: return "check AWS_ENDPOINT_URL points at the service named"
        }
    }

    public var exitStatus: ExitStatus {
        switch self {
        case .configuration: return .usage
        case .service(_, _, let status, let code, _):
            if Self.isThrottling(code: code, status: status) || status >= 500 { return .temporaryFailure }
            return Self.isMissingResource(code) ? .dataError : .usage
        case .unreachable: return .temporaryFailure
        case .malformedResponse: return .dataError
        }
    }

    /// Whether another try may succeed: throttling, a server error, no answer.
    public var isRetryable: Bool {
        switch self {
        case .service(_, _, let status, let code, _): return Self.isThrottling(code: code, status: status) || status >= 500
        case .unreachable: return true
        case .configuration, .malformedResponse: return false
        }
    }

    /// AWS's code, when AWS answered.
    public var code: String? {
        if case .service(_, _, _, let code, _) = self { return code }
        return nil
    }

    static func isThrottling(code: String, status: Int) -> Bool {
        status == 429 || ["Throttling", "ThrottlingException", "ThrottledException", "RequestThrottled", "RequestThrottledException", "SlowDown",
                          "ProvisionedThroughputExceededException", "RequestLimitExceeded", "TooManyRequestsException",
                          "AWS.SimpleQueueService.RequestThrottled"].contains(code)
    }

    static func isAuthentication(code: String, status: Int) -> Bool {
        ["InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidClientTokenId", "UnrecognizedClientException", "AccessDenied",
         "AccessDeniedException", "ExpiredToken", "ExpiredTokenException", "InvalidSignatureException", "MissingAuthenticationToken"].contains(code)
            || status == 401 || status == 403
    }

    static func isMissingResource(_ code: String) -> Bool {
        ["NoSuchBucket", "AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist", "ResourceNotFoundException", "NonExistentQueue"].contains(code)
    }
}
