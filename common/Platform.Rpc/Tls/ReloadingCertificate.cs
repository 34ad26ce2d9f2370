using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Platform.Rpc.Tls;

/// <summary>
/// A certificate and key kept as PEM files that may be replaced while the daemon runs (a
/// renewal, a re-issue): <see cref="Current"/> looks at the files at most once per
/// <see cref="CheckInterval"/> and loads them again when they changed, so the next TLS handshake
/// presents the new certificate without a restart. A pair that does not load (half written, key
/// and certificate not matching yet) leaves the previous one in use until it does.
/// </summary>
public sealed partial class ReloadingCertificate
{
    /// <summary>How often the files are looked at, at most: a handshake costs one stat per interval, not per connection.</summary>
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private X509Certificate2 _current;
    private FileStamp _loadedStamp;
    private FileStamp _failedStamp;
    private long _checkedAt;

    /// <summary>Loads the pair now: a daemon whose configured certificate does not load must not start.</summary>
    public ReloadingCertificate(string certificatePath, string keyPath, TimeProvider? time = null)
    {
        CertificatePath = certificatePath;
        KeyPath = keyPath;
        _time = time ?? TimeProvider.System;
        _loadedStamp = Stamp();
        _current = Load();
        _checkedAt = _time.GetTimestamp();
    }

    public string CertificatePath { get; }

    public string KeyPath { get; }

    /// <summary>Where reloads and failed reloads are reported; set once the daemon's logging exists.</summary>
    public ILogger Logger { get; set; } = NullLogger.Instance;

    /// <summary>The certificate to present now (with its private key).</summary>
    public X509Certificate2 Current
    {
        get
        {
            if (_time.GetElapsedTime(Interlocked.Read(ref _checkedAt)) >= CheckInterval)
            {
                Refresh();
            }
            return Volatile.Read(ref _current);
        }
    }

    private void Refresh()
    {
        lock (_gate)
        {
            if (_time.GetElapsedTime(_checkedAt) < CheckInterval)
            {
                return;
            }
            Interlocked.Exchange(ref _checkedAt, _time.GetTimestamp());
            var stamp = Stamp();
            if (stamp == _loadedStamp || stamp == _failedStamp)
            {
                return;
            }
            try
            {
                var loaded = Load();
                var previous = _current;
                // The previous instance is left to the collector: a handshake may still be using it.
                Volatile.Write(ref _current, loaded);
                _loadedStamp = stamp;
                LogReloaded(Logger, CertificatePath, previous.SerialNumber, loaded.SerialNumber, loaded.NotAfter);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
            {
                _failedStamp = stamp;
                LogReloadFailed(Logger, CertificatePath, e.Message, _current.SerialNumber);
            }
        }
    }

    private X509Certificate2 Load() => X509Certificate2.CreateFromPemFile(CertificatePath, KeyPath);

    private FileStamp Stamp() => new(Of(CertificatePath), Of(KeyPath));

    private static (DateTime, long) Of(string path)
    {
        var file = new FileInfo(path);
        return file.Exists ? (file.LastWriteTimeUtc, file.Length) : (DateTime.MinValue, -1);
    }

    private readonly record struct FileStamp((DateTime, long) Certificate, (DateTime, long) Key);

    [LoggerMessage(EventId = 9101, Level = LogLevel.Information, Message = "Certificate {Path} changed: serial {OldSerial} replaced by {NewSerial} (valid until {NotAfter:u}); new connections present it")]
    private static partial void LogReloaded(ILogger logger, string path, string oldSerial, string newSerial, DateTime notAfter);

    [LoggerMessage(EventId = 9102, Level = LogLevel.Warning, Message = "Certificate {Path} changed but does not load ({Reason}); serial {Serial} stays in use until it does")]
    private static partial void LogReloadFailed(ILogger logger, string path, string reason, string serial);
}
