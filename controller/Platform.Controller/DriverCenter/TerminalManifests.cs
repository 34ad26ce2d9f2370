using Platform.Controller.Agents;

namespace Platform.Controller.DriverCenter;

/// <summary>A file of the manifest: where to download it and what it must hash to.</summary>
internal sealed record ManifestFile(string Name, string Url, long Size, string Md5, string Sha256, long FromVersion, long ToVersion, string? ParentMd5, string? MergeMd5);

/// <summary>A printer a terminal receives: its folder on the disk and its public config (never the password).</summary>
internal sealed record TerminalPrinter(long Id, string Name, string Folder, short Type, string? Paper, int? DuplexPrint, string? Ip, string? Accounts, int? Port, bool HasPassword);

/// <summary>
/// What a terminal needs to reach the current version. <paramref name="Update"/>: apply it now
/// (auto-update is on, or the console told this terminal); <paramref name="Base"/> is set when
/// the terminal's version cannot be reached by deltas (new terminal, deltas pruned).
/// </summary>
internal sealed record TerminalManifest(
    long Version, bool IsAutoUpdate, bool Update, ManifestFile? Base, IReadOnlyList<ManifestFile> Deltas, IReadOnlyList<TerminalPrinter> Printers,
    IReadOnlyList<TemplateDrivers> Templates);

/// <summary>Wakes long-polling terminals when this replica records a new version (others are seen by polling).</summary>
internal sealed class DriverDiskVersionSignal
{
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Changed => Volatile.Read(ref _changed).Task;

    public void Notify() => Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}

/// <summary>Builds a terminal's manifest from the recorded base and deltas, and waits for a new version on a long poll.</summary>
internal sealed class TerminalManifests(
    TerminalStore terminals, DriverCenterStore center, PrinterStore printers, TemplateDriverStore templates, DriverCenterHost host, DriverDiskVersionSignal signal, TimeProvider clock)
{
    public const string FilesPath = "/thor/voi/terminal/files/";

    /// <summary>How often a long poll re-reads the inventory (another replica may have saved).</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The manifest for <paramref name="terminal"/>; with <paramref name="wait"/>, held until the
    /// version differs from <paramref name="knownVersion"/> or the wait is over.
    /// </summary>
    public async Task<Api.ApiResult<TerminalManifest>> BuildAsync(TerminalRecord terminal, long? knownVersion, TimeSpan wait, CancellationToken ct)
    {
        var deadline = clock.GetUtcNow() + wait;
        while (true)
        {
            var changed = signal.Changed;
            var nodes = await terminals.NodesAsync(ct);
            if (nodes.Count == 0)
            {
                // Nothing recorded yet (a disk never saved): the agent's manifest is the truth.
                var ready = await host.ReadyAsync(ct);
                if (ready.Error is { } unavailable)
                {
                    return unavailable;
                }
                try
                {
                    await center.RecordManifestAsync(await ready.Value.Agent.GetDriverDiskManifestAsync(ct), ct);
                }
                catch (AgentException e)
                {
                    return Tasks.TaskFailures.From(e).ToApiError();
                }
                nodes = await terminals.NodesAsync(ct);
            }
            var current = nodes.First(n => n.IsBase).ToVersion;
            var remaining = deadline - clock.GetUtcNow();
            if (knownVersion != current || remaining <= TimeSpan.Zero)
            {
                return await ComposeAsync(terminal, nodes, ct);
            }
            await Task.WhenAny(changed, Task.Delay(remaining < PollInterval ? remaining : PollInterval, clock, ct));
            ct.ThrowIfCancellationRequested();
        }
    }

    private async Task<TerminalManifest> ComposeAsync(TerminalRecord terminal, IReadOnlyList<DiskNode> nodes, CancellationToken ct)
    {
        var setting = await center.GetSettingAsync(ct);
        var baseNode = nodes.First(n => n.IsBase);
        var version = baseNode.ToVersion;
        // The deltas from the terminal's version on, if they form an unbroken chain to the current one.
        var chain = new List<DiskNode>();
        var at = terminal.ToolDiskVersion;
        foreach (var delta in nodes.Where(n => !n.IsBase && n.FromVersion >= terminal.ToolDiskVersion).OrderBy(n => n.FromVersion))
        {
            if (delta.FromVersion != at)
            {
                break;
            }
            chain.Add(delta);
            at = delta.ToVersion;
        }
        var reachable = terminal.ToolDiskVersion > 0 && at == version;
        var assigned = (await printers.GetManyAsync(terminal.Printers, ct))
            .Select(p => (Printer: p, Config: p.PublicConfig))
            .Select(x => new TerminalPrinter(x.Printer.Id, x.Printer.Name, $"pri/{x.Printer.FileName}", x.Config.Type, x.Config.Paper, x.Config.DuplexPrint, x.Config.Ip,
                x.Config.Accounts, x.Config.Port, x.Printer.PasswordProtected is not null))
            .ToList();
        var heterogeneous = (await templates.ListTemplatesAsync(ct)).Where(t => t.IsAllowHeterogeneous)
            .Select(t => new TemplateDrivers(t.ImageId, t.UniversalDriverId, t.ExtractiveDriverId, t.HgVersion, t.IsAllowHeterogeneous)).ToList();
        return new TerminalManifest(
            version,
            setting.IsAutoUpdate,
            Update: terminal.ToolDiskVersion != version && (setting.IsAutoUpdate || terminal.NotifiedVersion >= version),
            Base: reachable || terminal.ToolDiskVersion == version ? null : File(baseNode),
            Deltas: reachable ? chain.Select(File).ToList() : [],
            assigned,
            heterogeneous);
    }

    private static ManifestFile File(DiskNode node) =>
        new(node.FileName, FilesPath + Uri.EscapeDataString(node.FileName), node.FileSize, node.Md5, node.Sha256, node.FromVersion, node.ToVersion, node.ParentMd5, node.MergeMd5);
}
