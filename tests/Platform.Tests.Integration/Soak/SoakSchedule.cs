using System.Globalization;

namespace Platform.Tests.Integration.Soak;

/// <summary>
/// How long a soak's phases last: churn to warm up (the figures after it are the reference), the
/// churn measured, then idle so that the runtime can settle. The short schedule runs with the
/// suite; <c>PLATFORM_SOAK_MINUTES</c> stretches the measured churn of the long variant.
/// </summary>
internal sealed record SoakSchedule(TimeSpan Warmup, TimeSpan Churn, TimeSpan Idle, TimeSpan SampleInterval)
{
    /// <summary>Three minutes: the agent's RSS climbs for about its first minute of churn (arenas, GC budget), so the reference is taken after one.</summary>
    public static SoakSchedule Short { get; } = new(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(90), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10));

    /// <summary>The long variant: 20 minutes of churn unless PLATFORM_SOAK_MINUTES says otherwise.</summary>
    public static SoakSchedule Long()
    {
        var minutes = Environment.GetEnvironmentVariable("PLATFORM_SOAK_MINUTES") is { Length: > 0 } text
            ? double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture)
            : 20;
        return new SoakSchedule(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(minutes), TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(30));
    }
}
