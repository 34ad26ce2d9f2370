using Platform.Controller.Api;

namespace Platform.Tests.Unit.Controller;

public class RepeatedWarningsTests
{
    /// <summary>A clock the test moves.</summary>
    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 12, 6, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Test]
    public void The_same_warning_passes_once_per_window_and_says_how_many_it_held_back()
    {
        var clock = new ManualClock();
        var warnings = new RepeatedWarnings(clock);
        Assert.That(warnings.ShouldLog("outage", out var first), Is.True);
        Assert.That(first, Is.Zero);
        for (var i = 0; i < 500; i++)
        {
            Assert.That(warnings.ShouldLog("outage", out _), Is.False, "held back within the window");
        }
        Assert.That(warnings.ShouldLog("other", out _), Is.True, "another warning has its own window");
        clock.Now += RepeatedWarnings.Window;
        Assert.That(warnings.ShouldLog("outage", out var suppressed), Is.True);
        Assert.That(suppressed, Is.EqualTo(500));
    }
}
