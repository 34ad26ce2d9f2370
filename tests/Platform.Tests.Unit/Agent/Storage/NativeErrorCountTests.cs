using System.Diagnostics.Metrics;
using Platform.Agent.Storage.Rbd;
using Platform.Common.Observability;

namespace Platform.Tests.Unit.Agent.Storage;

/// <summary>Native errors are counted where they become exceptions, by library; the facade's own refusals are not native errors.</summary>
[NonParallelizable]
public class NativeErrorCountTests
{
    [Test]
    public void Rbd_and_rados_errors_are_counted_by_library_and_refusals_are_not()
    {
        var counted = new List<string>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == PlatformMetrics.MeterName && instrument.Name == PlatformMetrics.Names.NativeErrors)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == PlatformMetrics.Labels.Source)
                {
                    lock (counted)
                    {
                        counted.Add($"{tag.Value}:{value}");
                    }
                }
            }
        });
        listener.Start();

        Assert.Throws<RbdException>(() => CephErrors.CheckRbd(-2, "rbd_open", "volumes/vol-1"));
        Assert.Throws<RadosException>(() => CephErrors.CheckRados(-110, "rados_connect", "client.platform"));
        _ = CephErrors.Refused(CephErrno.HasSnapshots, "remove", "volumes/vol-1", "the image has snapshots");

        Assert.That(counted, Is.EqualTo(new[] { "rbd:1", "rados:1" }));
    }
}
