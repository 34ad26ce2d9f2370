using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Platform.Common.Observability;

/// <summary>
/// The one meter of a Platform daemon and every instrument either daemon records: their names,
/// units and labels are kept here and nowhere else. Labels take only bounded values (a method, a
/// kind, a state, a status code), never an id. Prometheus sees the names with dots as
/// underscores, counters with <c>_total</c> and second-histograms with <c>_seconds</c>
/// (<c>platform_rpc_server_duration_seconds_count</c>).
/// </summary>
public static class PlatformMetrics
{
    public const string MeterName = "Platform";

    /// <summary>The activity source of the daemons' own spans (task runs, reconciliation passes).</summary>
    public const string ActivitySourceName = "Platform";

    public static class Names
    {
        public const string RpcServerDuration = "platform.rpc.server.duration";
        public const string RpcClientDuration = "platform.rpc.client.duration";
        public const string TasksStarted = "platform.tasks.started";
        public const string TasksFinished = "platform.tasks.finished";
        public const string TaskDuration = "platform.task.duration";
        public const string TasksActive = "platform.tasks.active";
        public const string AgentOperationDuration = "platform.agent.operation.duration";
        public const string NativeErrors = "platform.agent.native.errors";
        public const string DriftOpen = "platform.reconciliation.drift.open";
    }

    public static class Labels
    {
        public const string Method = "rpc.method";
        public const string Status = "rpc.grpc.status_code";
        public const string Kind = "kind";
        public const string Outcome = "outcome";
        public const string State = "state";
        public const string Command = "command";
        public const string Source = "source";
    }

    /// <summary>The native libraries whose errors the agent counts, as the <c>source</c> label says them.</summary>
    public static class NativeSources
    {
        public const string Libvirt = "libvirt";
        public const string Rbd = "rbd";
        public const string Rados = "rados";
    }

    // From a fast gRPC query (well under a millisecond on loopback) to a long image copy.
    private static readonly double[] SecondsBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900];

    private static readonly Meter Meter = new(MeterName, typeof(PlatformMetrics).Assembly.GetName().Version?.ToString());

    public static readonly ActivitySource ActivitySource = new(ActivitySourceName);

    public static readonly Histogram<double> RpcServerDuration = Seconds(Names.RpcServerDuration, "gRPC calls served, by method and status code, when they end");

    public static readonly Histogram<double> RpcClientDuration = Seconds(Names.RpcClientDuration, "gRPC calls made, by method and status code, when they end");

    public static readonly Counter<long> TasksStarted = Meter.CreateCounter<long>(Names.TasksStarted, "{task}", "Task attempts started on this controller, by kind");

    public static readonly Counter<long> TasksFinished = Meter.CreateCounter<long>(Names.TasksFinished, "{task}", "Task attempts ended on this controller, by kind and outcome");

    public static readonly Histogram<double> TaskDuration = Seconds(Names.TaskDuration, "How long task attempts ran, by kind and outcome");

    public static readonly Histogram<double> AgentOperationDuration = Seconds(Names.AgentOperationDuration,
        "Mutating agent commands executed (replays not counted), by command and status code");

    public static readonly Counter<long> NativeErrors = Meter.CreateCounter<long>(Names.NativeErrors, "{error}", "Errors returned by libvirt, librbd and librados, by library");

    private static volatile IReadOnlyList<Measurement<long>> _activeTasks = [];
    private static volatile IReadOnlyList<Measurement<long>> _openDrift = [];

    public static readonly ObservableGauge<long> TasksActive =
        Meter.CreateObservableGauge(Names.TasksActive, () => _activeTasks, "{task}", "Tasks pending or running in the inventory, by kind and state, as of the last poll");

    public static readonly ObservableGauge<long> DriftOpen =
        Meter.CreateObservableGauge(Names.DriftOpen, () => _openDrift, "{drift}", "Open drift in the inventory, by kind, as of the last reconciliation pass");

    /// <summary>Replaces what <see cref="Names.TasksActive"/> reports.</summary>
    public static void SetActiveTasks(IEnumerable<(string Kind, string State, long Count)> counts) =>
        _activeTasks = counts.Select(c => new Measurement<long>(c.Count, new KeyValuePair<string, object?>(Labels.Kind, c.Kind), new KeyValuePair<string, object?>(Labels.State, c.State))).ToList();

    /// <summary>Replaces what <see cref="Names.DriftOpen"/> reports.</summary>
    public static void SetOpenDrift(IEnumerable<(string Kind, long Count)> counts) =>
        _openDrift = counts.Select(c => new Measurement<long>(c.Count, new KeyValuePair<string, object?>(Labels.Kind, c.Kind))).ToList();

    public static void RecordRpc(Histogram<double> histogram, string method, string status, double seconds) =>
        histogram.Record(seconds, new KeyValuePair<string, object?>(Labels.Method, method), new KeyValuePair<string, object?>(Labels.Status, status));

    public static void CountNativeError(string source) => NativeErrors.Add(1, new KeyValuePair<string, object?>(Labels.Source, source));

    private static Histogram<double> Seconds(string name, string description) =>
        Meter.CreateHistogram(name, "s", description, tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
}
