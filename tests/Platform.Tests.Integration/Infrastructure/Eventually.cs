using System.Diagnostics;

namespace Platform.Tests.Integration.Infrastructure;

internal static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> until it holds; returns how long that took, fails the test after <paramref name="timeout"/>.</summary>
    public static async Task<TimeSpan> HoldsAsync(Func<Task<bool>> condition, TimeSpan timeout, string description)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > timeout)
            {
                Assert.Fail($"{description}: not within {timeout.TotalSeconds:0}s");
            }
            await Task.Delay(100);
        }
        return clock.Elapsed;
    }
}
