using System.Diagnostics.Metrics;
using Platform.Agent.Compute.Libvirt;
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
        using var counted = new CountedErrors();

        Assert.Throws<RbdException>(() => CephErrors.CheckRbd(-2, "rbd_open", "volumes/vol-1"));
        Assert.Throws<RadosException>(() => CephErrors.CheckRados(-110, "rados_connect", "client.platform"));
        _ = CephErrors.Refused(CephErrno.HasSnapshots, "remove", "volumes/vol-1", "the image has snapshots");

        Assert.That(counted.Sources, Is.EqualTo(new[] { "rbd:1", "rados:1" }));
    }

    /// <summary>
    /// A real failing libvirt call, on libvirt's in-process test driver (no daemon): the lookup of
    /// a domain that does not exist is counted once, as libvirt's, where the interop layer turns
    /// the error into an exception.
    /// </summary>
    [Test]
    public async Task A_failed_libvirt_call_is_counted_as_libvirts()
    {
        using var connection = await LibvirtConnection.OpenAsync("test:///default");
        using var counted = new CountedErrors();

        await Assert.ThrowsAsync<LibvirtDomainNotFoundException>(() => connection.GetDomainAsync("platform-no-such-domain"));
        using var found = await connection.GetDomainAsync("test");

        Assert.That(found.Name, Is.EqualTo("test"), "the test driver's own domain: a lookup that succeeds counts nothing");
        Assert.That(counted.Sources, Is.EqualTo(new[] { "libvirt:1" }));
    }

    /// <summary>The native errors counted while it listens, as "source:count".</summary>
    private sealed class CountedErrors : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly List<string> _sources = [];

        public CountedErrors()
        {
            _listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == PlatformMetrics.MeterName && instrument.Name == PlatformMetrics.Names.NativeErrors)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == PlatformMetrics.Labels.Source)
                    {
                        lock (_sources)
                        {
                            _sources.Add($"{tag.Value}:{value}");
                        }
                    }
                }
            });
            _listener.Start();
        }

        public IReadOnlyList<string> Sources
        {
            get
            {
                lock (_sources)
                {
                    return [.. _sources];
                }
            }
        }

        public void Dispose() => _listener.Dispose();
    }
}
