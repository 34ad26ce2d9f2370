using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Platform.Agent.Compute.Libvirt;
using Platform.Agent.Storage;
using Platform.Agent.Storage.Commands;
using Platform.Agent.Storage.Rbd;

namespace Platform.Agent.Compute;

/// <summary>
/// Ceph as the compute side needs it: the client configuration for RBD disks, the libvirt ceph
/// secret (defined once per libvirt connection), and the agent's shared cluster connection for the
/// fsid and image checks.
/// </summary>
internal sealed partial class CephAccess : IDisposable
{
    private readonly IOptions<StorageOptions> _storage;
    private readonly IOptions<ComputeOptions> _compute;
    private readonly ILogger<CephAccess> _logger;
    private readonly CephConnection _ceph;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile StrongBox<Guid>? _secretUuid;

    public CephAccess(IOptions<StorageOptions> storage, IOptions<ComputeOptions> compute, CephConnection ceph, LibvirtHost libvirt, ILogger<CephAccess> logger)
    {
        _ceph = ceph;
        _storage = storage;
        _compute = compute;
        _logger = logger;
        // A new libvirtd (restarted, or another host's) may not have the secret: define it again.
        libvirt.Reconnected += () => _secretUuid = null;
    }

    public CephClientConfig LoadConfig() => CephClientConfig.Load(_storage.Value.CephConf, _storage.Value.CephUser);

    /// <summary>The fsid from the connected cluster; null (and the reason logged) when Ceph cannot be reached.</summary>
    public async Task<string?> GetFsidAsync(CancellationToken cancellationToken)
    {
        try
        {
            return (await _ceph.ClusterAsync(cancellationToken)).Fsid;
        }
        catch (Exception e) when (e is CephException or ArgumentException or IOException)
        {
            LogCephUnreachable(_logger, _storage.Value.CephConf, e.Message);
            return null;
        }
    }

    /// <summary>
    /// Which of <paramref name="images"/> ("pool/image") do not exist, so that a domain is not
    /// defined on images qemu cannot open. <see cref="CephException"/> when Ceph cannot be asked.
    /// </summary>
    public async Task<IReadOnlyList<string>> MissingImagesAsync(IEnumerable<string> images, CancellationToken cancellationToken)
    {
        var cluster = await _ceph.ClusterAsync(cancellationToken);
        var missing = new List<string>();
        foreach (var inPool in images.Distinct(StringComparer.Ordinal).GroupBy(i => DomainMapping.SplitImage(i).Pool, StringComparer.Ordinal))
        {
            RbdPool pool;
            try
            {
                pool = await cluster.OpenPoolAsync(inPool.Key, cancellationToken);
            }
            catch (CephException e) when (e.Error == CephErrno.NotFound)
            {
                missing.AddRange(inPool);
                continue;
            }
            using (pool)
            {
                foreach (var image in inPool)
                {
                    if (await pool.FindImageAsync(DomainMapping.SplitImage(image).Image, cancellationToken) is null)
                    {
                        missing.Add(image);
                    }
                }
            }
        }
        return missing;
    }

    /// <summary>
    /// The UUID of the libvirt secret with the user's key, defining it and setting its value the
    /// first time on each libvirt connection (the key may have been rotated since).
    /// </summary>
    public async Task<Guid> EnsureSecretAsync(LibvirtConnection connection, CephClientConfig config, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_secretUuid is { } known)
            {
                return known.Value;
            }
            var uuid = SecretUuid(config);
            LibvirtSecret secret;
            try
            {
                secret = await connection.GetSecretAsync(uuid, cancellationToken);
            }
            catch (LibvirtSecretNotFoundException)
            {
                secret = await connection.DefineSecretAsync(new CephSecretDefinition(uuid, $"{config.EntityName} {config.Fsid ?? uuid.ToString()}")
                {
                    Description = $"platform agent: cephx key of {config.EntityName}",
                }, cancellationToken);
            }
            using (secret)
            {
                await secret.SetCephKeyAsync(config.ReadKey(), cancellationToken);
            }
            LogSecretReady(_logger, uuid, config.EntityName);
            _secretUuid = new StrongBox<Guid>(uuid);
            return uuid;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Configured, or derived from fsid and user so that every host of a cluster agrees.</summary>
    private Guid SecretUuid(CephClientConfig config)
    {
        if (Guid.TryParse(_compute.Value.CephSecretUuid, out var configured))
        {
            return configured;
        }
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"platform-ceph-secret/{config.Fsid}/{config.EntityName}"));
        var bytes = hash.AsSpan(0, 16).ToArray();
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x50); // version 5-style (name based), as .NET orders the bytes
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes);
    }

    public void Dispose() => _gate.Dispose();

    [LoggerMessage(EventId = 3111, Level = LogLevel.Warning, Message = "Ceph not reachable through {Conf}: {Reason}; host info has no fsid")]
    private static partial void LogCephUnreachable(ILogger logger, string conf, string reason);

    [LoggerMessage(EventId = 3112, Level = LogLevel.Information, Message = "libvirt ceph secret {Uuid} holds the key of {Entity}")]
    private static partial void LogSecretReady(ILogger logger, Guid uuid, string entity);
}
