using Platform.Contracts.Agent.V1;
using Platform.Controller.Agents;
using Platform.Controller.Api;
using Platform.Controller.Tasks;

namespace Platform.Controller.DriverCenter;

/// <summary>
/// The driver center's failures as the seed's console shows them (seed 003 §5): the message is
/// the seed's sentence, exactly; what went wrong in detail goes into the envelope's errors.
/// </summary>
internal static class DriverCenterErrors
{
    public const string UnacceptableFileTypeText = "不是一个可接受的文件类型";
    public const string UploadFailedText = "上传驱动文件失败！";
    public const string DuplicateNameText = "系统驱动文件名称重复";
    public const string PrinterNotFoundText = "打印机驱动不存在";
    public const string NotPublicConfigFileText = "文件名不正确，仅支持更新公有配置文件";
    public const string DriverNotFoundText = "系统驱动不存在";
    public const string SaveDuringDistributionText = "保存失败，当前有下发任务";
    public const string BusyText = "驱动中心正忙，请稍后再试";
    public const string NoSpaceText = "服务器空间不足，请释放空间后再试";
    public const string AbnormalText = "驱动中心状态异常";

    public static ApiError UnacceptableFileType(string field, string detail) => Of(ApiErrorCode.UnacceptableFileType, UnacceptableFileTypeText, field, detail);

    public static ApiError UploadFailed(string field, string detail) => Of(ApiErrorCode.DriverUploadFailed, UploadFailedText, field, detail);

    public static ApiError DuplicateName(string field, string detail) => Of(ApiErrorCode.DuplicateDriverName, DuplicateNameText, field, detail);

    public static ApiError PrinterNotFound(string field, string detail) => Of(ApiErrorCode.PrinterDriverNotFound, PrinterNotFoundText, field, detail);

    public static ApiError NotPublicConfigFile(string field, string detail) => Of(ApiErrorCode.NotPublicConfigFile, NotPublicConfigFileText, field, detail);

    public static ApiError DriverNotFound(string field, string detail) => Of(ApiErrorCode.SystemDriverNotFound, DriverNotFoundText, field, detail);

    public static ApiError SaveDuringDistribution(string detail) => Of(ApiErrorCode.SaveDuringDistribution, SaveDuringDistributionText, "is_mounted", detail);

    public static ApiError Busy(string detail) => Of(ApiErrorCode.DriverCenterBusy, BusyText, "driver_center", detail);

    public static ApiError NoSpace(string detail) => Of(ApiErrorCode.DriverCenterNoSpace, NoSpaceText, "driver_center", detail);

    public static ApiError Abnormal(string detail) => Of(ApiErrorCode.DriverCenterAbnormal, AbnormalText, "driver_center", detail);

    public static ApiError DistributionDuringMerge(string detail) => Of(ApiErrorCode.DistributionDuringMerge, BusyText, "driver_center", detail);

    /// <summary>
    /// What an agent's driver-disk refusal means to the console, by its reason: the seed's message
    /// where the seed has one, the platform's agent codes (503, 504, 502) otherwise.
    /// </summary>
    public static ApiError FromAgent(AgentException e, string field)
    {
        var detail = e.Violations.Count > 0 ? string.Join("; ", e.Violations.Select(v => $"{v.Field}: {v.Description}")) : e.Detail;
        return ReasonOf(e) switch
        {
            DriverDiskErrorReason.UnacceptableType => UnacceptableFileType(field, detail),
            DriverDiskErrorReason.InvalidArchive => UploadFailed(field, detail),
            DriverDiskErrorReason.DriverExists => DuplicateName(field, detail),
            DriverDiskErrorReason.Busy => Busy(detail),
            DriverDiskErrorReason.NoSpace => NoSpace(detail),
            DriverDiskErrorReason.WrongState or DriverDiskErrorReason.NotInitialized or DriverDiskErrorReason.StepFailed => Abnormal(detail),
            DriverDiskErrorReason.InvalidParameter => ApiError.Validation([new FieldError(field, detail)]),
            _ => TaskFailures.From(e).ToApiError(),
        };
    }

    /// <summary>How a save or restore that the agent refused or failed ends its task: the seed's sentence, then the host's reason.</summary>
    public static TaskFailure TaskFailureOf(AgentException e) => ReasonOf(e) switch
    {
        DriverDiskErrorReason.NoSpace => new TaskFailure(TaskFailureKind.NoSpace, $"{NoSpaceText}: {e.Detail}"),
        DriverDiskErrorReason.Busy => new TaskFailure(TaskFailureKind.Busy, $"{BusyText}: {e.Detail}"),
        DriverDiskErrorReason.WrongState or DriverDiskErrorReason.NotInitialized => new TaskFailure(TaskFailureKind.Refused, $"{AbnormalText}: {e.Detail}"),
        DriverDiskErrorReason.StepFailed => new TaskFailure(TaskFailureKind.AgentFailed, $"{AbnormalText}: {e.Detail}"),
        _ => TaskFailures.From(e),
    };

    /// <summary>The agent's DriverDiskErrorReason (its ErrorInfo names the contract's enum value); Unspecified for none.</summary>
    public static DriverDiskErrorReason ReasonOf(AgentException e) =>
        Enum.TryParse<DriverDiskErrorReason>(e.Reason, out var reason) ? reason : DriverDiskErrorReason.Unspecified;

    private static ApiError Of(ApiErrorCode code, string text, string field, string detail) => new(code, text, [new FieldError(field, detail)]);
}
