using Microsoft.Extensions.Options;

namespace Platform.Controller.DriverCenter;

internal sealed class DriverCenterOptions
{
    public const string Section = "DriverCenter";

    /// <summary>
    /// The host whose agent keeps the driver disk. Empty: the only registered host (a platform
    /// of one host needs no setting; with more, the driver center refuses until this is set).
    /// </summary>
    public string HostId { get; set; } = "";

    /// <summary>The largest driver archive an upload may carry.</summary>
    public long MaxUploadBytes { get; set; } = 4L << 30;

    /// <summary>Bytes per message when an upload is streamed to the agent.</summary>
    public int UploadChunkBytes { get; set; } = 256 << 10;

    /// <summary>Deadline of the disk's long steps: initialise, import, save, restore, an upload.</summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>A terminal that said it was downloading and has not been heard of for this long no longer blocks a save.</summary>
    public TimeSpan DownloadStaleAfter { get; set; } = TimeSpan.FromMinutes(10);
}

/// <summary>DriverCenter settings within what the code can work with, checked at start-up.</summary>
internal sealed class DriverCenterOptionsValidation : IValidateOptions<DriverCenterOptions>
{
    public ValidateOptionsResult Validate(string? name, DriverCenterOptions options)
    {
        var problems = new List<string>();
        if (options.MaxUploadBytes < 1)
        {
            problems.Add($"{DriverCenterOptions.Section}:MaxUploadBytes must be at least 1 (is {options.MaxUploadBytes})");
        }
        if (options.UploadChunkBytes is < 4096 or > 4 << 20)
        {
            problems.Add($"{DriverCenterOptions.Section}:UploadChunkBytes must be between 4096 and {4 << 20} (is {options.UploadChunkBytes})");
        }
        if (options.OperationTimeout <= TimeSpan.Zero)
        {
            problems.Add($"{DriverCenterOptions.Section}:OperationTimeout must be positive (is {options.OperationTimeout})");
        }
        if (options.DownloadStaleAfter <= TimeSpan.Zero)
        {
            problems.Add($"{DriverCenterOptions.Section}:DownloadStaleAfter must be positive (is {options.DownloadStaleAfter})");
        }
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
