namespace Platform.Controller.Api;

/// <summary>
/// The stable, non-zero <c>code</c> of the /api/v1 envelope. The first three digits are the
/// HTTP status the failure is served with; values are never renumbered.
/// </summary>
internal enum ApiErrorCode
{
    MalformedRequest = 40000,
    ValidationFailed = 40001,

    // The driver center's messages (seed 003 §5): each its own code, served with the seed's text.
    UnacceptableFileType = 40010,
    DriverUploadFailed = 40011,
    NotPublicConfigFile = 40012,

    TerminalUnauthenticated = 40100,
    Unauthenticated = 40101,
    WrongCredentials = 40102,

    Forbidden = 40300,
    CsrfRejected = 40301,

    RouteNotFound = 40400,
    ImageNotFound = 40401,
    VolumeNotFound = 40402,
    NicNotFound = 40403,
    InstanceNotFound = 40404,
    TaskNotFound = 40405,
    NetworkNotFound = 40406,
    RbdImageNotFound = 40407,
    PrinterDriverNotFound = 40410,
    SystemDriverNotFound = 40411,
    TerminalNotFound = 40412,
    UserNotFound = 40413,
    TokenNotFound = 40414,

    MethodNotAllowed = 40500,

    ImageInUse = 40901,
    VolumeInUse = 40902,
    NicInUse = 40903,
    InvalidState = 40904,
    ResourceBusy = 40905,
    AlreadyExists = 40906,
    NoAddressLeft = 40907,
    DeviceStillAttached = 40908,
    DuplicateDriverName = 40910,
    SaveDuringDistribution = 40911,
    DriverCenterBusy = 40912,
    DriverCenterAbnormal = 40913,
    DistributionDuringMerge = 40914,
    IdempotencyKeyInProgress = 40915,
    IdempotencyKeyCarriedOut = 40916,
    LastAdmin = 40917,

    UploadTooLarge = 41300,
    BodyTooLarge = 41301,
    RequestLineTooLong = 41400,
    RangeNotSatisfiable = 41600,
    IdempotencyKeyReused = 42200,
    TooManyAttempts = 42900,
    HeadersTooLarge = 43100,

    Internal = 50000,
    AgentFailed = 50200,
    NoHostAvailable = 50301,
    AgentUnavailable = 50302,
    DatabaseUnavailable = 50303,
    OutcomeUnknown = 50304,
    AgentTimeout = 50401,
    DriverCenterNoSpace = 50700,
}

internal static class ApiErrorCodeExtensions
{
    public static int HttpStatus(this ApiErrorCode code) => (int)code / 100;
}
