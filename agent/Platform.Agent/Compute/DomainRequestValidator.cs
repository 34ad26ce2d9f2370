using System.Text.RegularExpressions;
using Google.Rpc;
using Platform.Agent.Compute.Libvirt;
using Platform.Agent.Storage.Rbd;
using Platform.Contracts.Agent.V1;
using Grpc.Core;
using Platform.Rpc.Errors;

namespace Platform.Agent.Compute;

/// <summary>
/// Checks DomainService requests before anything touches libvirt, collecting every problem so
/// that one INVALID_ARGUMENT answer lists them all. Names are strict enough that none can mean
/// anything to a shell, to XML, to qemu's option syntax or to a path.
/// </summary>
internal static partial class DomainRequestValidator
{
    public const uint MinVcpus = 1;
    public const uint MaxVcpus = 64;
    public const ulong MinMemoryMiB = 64;
    public const ulong MaxMemoryMiB = 1024 * 1024;

    public static void Validate(DefineAndStartDomainRequest request)
    {
        var v = new Violations();
        v.OperationId(request.OperationId);
        v.Name("name", request.Name);
        if (!Guid.TryParseExact(request.Uuid, "D", out var uuid) || uuid == Guid.Empty)
        {
            v.Add("uuid", $"'{Shown(request.Uuid)}' is not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, not all zero)");
        }
        if (request.Vcpus is < MinVcpus or > MaxVcpus)
        {
            v.Add("vcpus", $"{request.Vcpus} is outside {MinVcpus}-{MaxVcpus}");
        }
        if (request.MemoryMib is < MinMemoryMiB or > MaxMemoryMiB)
        {
            v.Add("memory_mib", $"{request.MemoryMib} MiB is outside {MinMemoryMiB} MiB-1 TiB ({MaxMemoryMiB} MiB)");
        }
        if (request.BootDisk is null)
        {
            v.Add("boot_disk", "a domain needs a boot disk");
        }
        else
        {
            v.Disk("boot_disk", request.BootDisk);
        }
        for (var i = 0; i < request.DataDisks.Count; i++)
        {
            v.Disk($"data_disks[{i}]", request.DataDisks[i]);
        }
        var disks = request.DataDisks.Prepend(request.BootDisk).OfType<RbdDisk>().ToList();
        foreach (var twice in disks.GroupBy(d => d.Target, StringComparer.Ordinal).Where(g => g.Count() > 1 && IsTarget(g.Key)))
        {
            v.Add("data_disks", $"two disks on target {twice.Key}");
        }
        foreach (var twice in disks.GroupBy(d => d.Image, StringComparer.Ordinal).Where(g => g.Count() > 1 && IsImage(g.Key)))
        {
            v.Add("data_disks", $"image {twice.Key} is attached twice");
        }
        for (var i = 0; i < request.Nics.Count; i++)
        {
            v.Nic($"nics[{i}]", request.Nics[i]);
        }
        foreach (var twice in request.Nics.GroupBy(n => n.Mac, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1 && IsMac(g.Key)))
        {
            v.Add("nics", $"two NICs with MAC {twice.Key}");
        }
        foreach (var twice in request.Nics.Where(n => n.Ip.Length > 0).GroupBy(n => n.Ip, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            v.Add("nics", $"two NICs with address {Shown(twice.Key)}");
        }
        v.ThrowIfAny();
    }

    /// <summary>Requests that name one domain (Start, Shutdown, PowerOff, Undefine, Get).</summary>
    public static void ValidateName(string name, string? operationId = null)
    {
        var v = new Violations();
        if (operationId is not null)
        {
            v.OperationId(operationId);
        }
        v.Name("name", name);
        v.ThrowIfAny();
    }

    public static void Validate(AttachDiskRequest request)
    {
        var v = new Violations();
        v.OperationId(request.OperationId);
        v.Name("domain", request.Domain);
        if (request.Disk is null)
        {
            v.Add("disk", "the disk to attach is missing");
        }
        else
        {
            v.Disk("disk", request.Disk);
        }
        v.ThrowIfAny();
    }

    public static void Validate(DetachDiskRequest request)
    {
        var v = new Violations();
        v.OperationId(request.OperationId);
        v.Name("domain", request.Domain);
        v.Target("target", request.Target);
        v.ThrowIfAny();
    }

    public static void Validate(AttachNicRequest request)
    {
        var v = new Violations();
        v.OperationId(request.OperationId);
        v.Name("domain", request.Domain);
        if (request.Nic is null)
        {
            v.Add("nic", "the NIC to attach is missing");
        }
        else
        {
            v.Nic("nic", request.Nic);
        }
        v.ThrowIfAny();
    }

    public static void Validate(DetachNicRequest request)
    {
        var v = new Violations();
        v.OperationId(request.OperationId);
        v.Name("domain", request.Domain);
        v.Mac("mac", request.Mac);
        v.ThrowIfAny();
    }

    public static bool IsName(string name) => DomainName().IsMatch(name);

    private static bool IsTarget(string target) => Target().IsMatch(target);

    private static bool IsMac(string mac) => Mac().IsMatch(mac);

    private static bool IsImage(string image) =>
        image.Split('/') is [var pool, var name] && RbdNames.IsValid(pool) && RbdNames.IsValid(name);

    /// <summary>Short and printable, so that a hostile value cannot flood the answer or the log.</summary>
    private static string Shown(string value)
    {
        var cut = value.Length > 80 ? value[..80] + "…" : value;
        return new string([.. cut.Select(c => char.IsControl(c) ? '?' : c)]);
    }

    private sealed class Violations
    {
        private readonly List<BadRequest.Types.FieldViolation> _list = [];

        public void Add(string field, string description) => _list.Add(RichErrors.Violation(field, description));

        public void OperationId(string id)
        {
            if (!OperationIdSyntax().IsMatch(id))
            {
                Add("operation_id", $"'{Shown(id)}' is not an operation id (1-128 letters, digits, '.', '_', ':' or '-')");
            }
        }

        public void Name(string field, string name)
        {
            if (!IsName(name))
            {
                Add(field, $"'{Shown(name)}' is not a domain name (an instance id like i-0a1b2c3d; 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit)");
            }
        }

        public void Target(string field, string target)
        {
            if (!IsTarget(target))
            {
                Add(field, $"'{Shown(target)}' is not a virtio disk target (vda-vdz)");
            }
        }

        public void Mac(string field, string mac)
        {
            if (!IsMac(mac))
            {
                Add(field, $"'{Shown(mac)}' is not a guest MAC address (52:54:00:xx:xx:xx)");
            }
        }

        public void Disk(string field, RbdDisk disk)
        {
            if (!IsImage(disk.Image))
            {
                Add(field + ".image", $"'{Shown(disk.Image)}' is not pool/image (1-{RbdNames.MaxLength} letters, digits, '.', '_' or '-' each, starting with a letter or digit)");
            }
            Target(field + ".target", disk.Target);
        }

        public void Nic(string field, Nic nic)
        {
            Mac(field + ".mac", nic.Mac);
            if (nic.Bridge.Length > 0 && !Bridge().IsMatch(nic.Bridge))
            {
                Add(field + ".bridge", $"'{Shown(nic.Bridge)}' is not a Linux bridge name (1-15 letters, digits, '.', '_' or '-')");
            }
            if (nic.Ip.Length > 0 && !DhcpHost.IsUnicastIpv4(nic.Ip))
            {
                Add(field + ".ip", $"'{Shown(nic.Ip)}' is not an IPv4 unicast address (a.b.c.d)");
            }
        }

        public void ThrowIfAny()
        {
            if (_list.Count > 0)
            {
                throw RichErrors.InvalidArgument(_list);
            }
        }
    }

    [GeneratedRegex(@"\A[A-Za-z0-9][A-Za-z0-9._-]{0,63}\z", RegexOptions.CultureInvariant)]
    private static partial Regex DomainName();

    [GeneratedRegex(@"\Avd[a-z]\z", RegexOptions.CultureInvariant)]
    private static partial Regex Target();

    [GeneratedRegex(@"\A52:54:00(:[0-9A-Fa-f]{2}){3}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Mac();

    [GeneratedRegex(@"\A[A-Za-z0-9][A-Za-z0-9._-]{0,14}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Bridge();

    [GeneratedRegex(@"\A[A-Za-z0-9._:-]{1,128}\z", RegexOptions.CultureInvariant)]
    private static partial Regex OperationIdSyntax();
}
