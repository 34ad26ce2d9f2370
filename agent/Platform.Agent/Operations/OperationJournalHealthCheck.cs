using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Platform.Agent.Operations;

/// <summary>
/// The operation journal's figures on /healthz, always healthy: a journal that cannot be opened
/// fails only the commands that need it (with UNAVAILABLE), and a check does not open it.
/// </summary>
internal sealed class OperationJournalHealthCheck(OperationJournal journal) : IHealthCheck
{
    public const string Name = "operation-journal";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(HealthCheckResult.Healthy(Describe(journal.Figures)));

    /// <summary>"N outcomes indexed in K KiB of memory, R running; file F KiB", or that it is not open yet.</summary>
    internal static string Describe(OperationJournalFigures figures) => figures.Open
        ? string.Create(CultureInfo.InvariantCulture, $"{figures.Records} outcomes indexed in {figures.BytesHeld / 1024} KiB of memory, {figures.Running} running; file {figures.FileBytes / 1024} KiB")
        : "not opened yet (it is opened on first use)";
}
