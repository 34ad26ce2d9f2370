using Platform.Contracts.Agent.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Platform.Tests.Integration.Grpc;

namespace Platform.Tests.Integration.Agent;

/// <summary>GetHostInfo, and requests the agent refuses before libvirt is asked anything.</summary>
public class DomainBasicsTests : DomainTestBase
{
    [Test]
    public async Task Get_host_info_reports_capacity_versions_ceph_fsid_and_bridges()
    {
        var info = await Hosts.GetHostInfoAsync(new GetHostInfoRequest(), deadline: Deadline(30));

        Assert.Multiple(() =>
        {
            Assert.That(info.Hostname, Is.EqualTo(Environment.MachineName));
            Assert.That(info.Cpus, Is.EqualTo((uint)Environment.ProcessorCount).Or.GreaterThan(0u));
            Assert.That(info.MemoryTotalBytes, Is.GreaterThan(256UL << 20));
            Assert.That(info.MemoryFreeBytes, Is.GreaterThan(0UL).And.LessThanOrEqualTo(info.MemoryTotalBytes));
            Assert.That(info.LibvirtVersion, Does.Match(@"^\d+\.\d+\.\d+"));
            Assert.That(info.QemuVersion, Does.Match(@"^\d+\.\d+\.\d+"));
            Assert.That(info.CephFsid, Is.EqualTo(Ceph["PLATFORM_CEPH_FSID"]));
            Assert.That(info.Bridges, Does.Contain(Bridge));
            Assert.That(info.Bridges[0], Is.EqualTo(Bridge), "the configured bridge first");
        });
    }

    [Test]
    public async Task Get_host_info_without_ceph_has_an_empty_fsid_and_the_rest()
    {
        await using var agent = await AgentProcess.StartAsync(new AgentProcessOptions
        {
            Environment = new Dictionary<string, string>
            {
                ["PLATFORM_Compute__LibvirtUri"] = LibvirtUri,
                ["PLATFORM_Compute__Bridge"] = Bridge,
            },
        });
        using var channel = GrpcChannel.ForAddress(agent.GrpcUrl);

        var info = await new HostService.HostServiceClient(channel).GetHostInfoAsync(new GetHostInfoRequest(), deadline: Deadline(30));

        Assert.Multiple(() =>
        {
            Assert.That(info.CephFsid, Is.Empty);
            Assert.That(info.Cpus, Is.GreaterThan(0u));
            Assert.That(info.Bridges, Does.Contain(Bridge));
        });
        Assert.That(agent.Output, Does.Contain("Ceph not reachable"), "the reason is logged");
    }

    [Test]
    public async Task Bad_define_request_lists_every_violation_and_defines_nothing()
    {
        var name = "i-bad;rm -rf /";
        var request = new DefineAndStartDomainRequest
        {
            OperationId = NewOperationId(),
            Name = name,
            Uuid = "not-a-uuid",
            Vcpus = 1000,
            MemoryMib = 1UL << 40,
            BootDisk = new RbdDisk { Image = "volumes/x$(reboot)", Target = "sda" },
            DataDisks = { new RbdDisk { Image = "no-pool", Target = "vdb" }, new RbdDisk { Image = "volumes/ok", Target = "vdb" } },
            Nics = { new Nic { Mac = "ff:ff:ff:ff:ff:ff", Bridge = "br0;x" } },
        };

        var error = await Assert.ThrowsAsync<RpcException>(async () => await Domains.DefineAndStartDomainAsync(request, deadline: Deadline()));

        var fields = error!.GetRpcStatus()!.Details
            .Where(d => d.Is(Google.Rpc.BadRequest.Descriptor))
            .SelectMany(d => d.Unpack<Google.Rpc.BadRequest>().FieldViolations)
            .Select(v => v.Field).ToList();
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
            Assert.That(fields, Is.SupersetOf(new[]
            {
                "name", "uuid", "vcpus", "memory_mib", "boot_disk.image", "boot_disk.target",
                "data_disks[0].image", "data_disks", "nics[0].mac", "nics[0].bridge",
            }));
            Assert.That(await Virsh("list", "--all", "--name"), Does.Not.Contain("i-bad"));
        });
    }

    [Test]
    public async Task Define_on_images_that_do_not_exist_is_failed_precondition_and_defines_nothing()
    {
        var name = NewInstanceId();
        var error = await Assert.ThrowsAsync<RpcException>(async () => await Domains.DefineAndStartDomainAsync(new DefineAndStartDomainRequest
        {
            OperationId = NewOperationId(),
            Name = name,
            Uuid = Guid.NewGuid().ToString(),
            Vcpus = 1,
            MemoryMib = 128,
            BootDisk = new RbdDisk { Image = $"volumes/{name}-missing", Target = "vda" },
            DataDisks = { new RbdDisk { Image = $"no-such-pool/{name}", Target = "vdb" } },
        }, deadline: Deadline()));

        await Assert.MultipleAsync(async () =>
        {
            Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));
            Assert.That(error.Status.Detail, Does.Contain($"volumes/{name}-missing").And.Contain($"no-such-pool/{name}"));
            Assert.That(await DomainExistsAsync(name), Is.False);
        });
    }

    [TestCase(0u, 256UL, "vcpus")]
    [TestCase(65u, 256UL, "vcpus")]
    [TestCase(1u, 63UL, "memory_mib")]
    [TestCase(1u, (1UL << 20) + 1, "memory_mib")]
    public async Task Sizes_out_of_range_are_invalid_argument(uint vcpus, ulong memoryMiB, string field)
    {
        var name = NewInstanceId();
        var error = await Assert.ThrowsAsync<RpcException>(async () => await Domains.DefineAndStartDomainAsync(new DefineAndStartDomainRequest
        {
            OperationId = NewOperationId(),
            Name = name,
            Uuid = Guid.NewGuid().ToString(),
            Vcpus = vcpus,
            MemoryMib = memoryMiB,
            BootDisk = new RbdDisk { Image = "volumes/" + name, Target = "vda" },
        }, deadline: Deadline()));

        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
        Assert.That(error.Status.Detail, Does.Contain(field));
        Assert.That(await DomainExistsAsync(name), Is.False);
    }

    [Test]
    public async Task Unknown_domain_is_not_found_and_undefining_it_reports_it_did_not_exist()
    {
        var name = NewInstanceId();

        var codes = new Dictionary<string, StatusCode>
        {
            ["get"] = await CodeOf(() => Domains.GetDomainAsync(new GetDomainRequest { Name = name }, deadline: Deadline())),
            ["start"] = await CodeOf(() => Domains.StartDomainAsync(new StartDomainRequest { OperationId = NewOperationId(), Name = name }, deadline: Deadline())),
            ["shutdown"] = await CodeOf(() => Domains.ShutdownDomainAsync(new ShutdownDomainRequest { OperationId = NewOperationId(), Name = name }, deadline: Deadline())),
            ["poweroff"] = await CodeOf(() => Domains.PowerOffDomainAsync(new PowerOffDomainRequest { OperationId = NewOperationId(), Name = name }, deadline: Deadline())),
            ["attach"] = await CodeOf(() => Domains.AttachDiskAsync(new AttachDiskRequest { OperationId = NewOperationId(), Domain = name, Disk = new RbdDisk { Image = "volumes/x", Target = "vdb" } }, deadline: Deadline())),
            ["detach nic"] = await CodeOf(() => Domains.DetachNicAsync(new DetachNicRequest { OperationId = NewOperationId(), Domain = name, Mac = NewMac() }, deadline: Deadline())),
            ["get bad name"] = await CodeOf(() => Domains.GetDomainAsync(new GetDomainRequest { Name = "../etc" }, deadline: Deadline())),
        };
        var undefined = await Domains.UndefineDomainAsync(new UndefineDomainRequest { OperationId = NewOperationId(), Name = name }, deadline: Deadline());

        Assert.Multiple(() =>
        {
            Assert.That(codes.Where(c => c.Key != "get bad name").Select(c => c.Value), Is.All.EqualTo(StatusCode.NotFound), string.Join(", ", codes));
            Assert.That(codes["get bad name"], Is.EqualTo(StatusCode.InvalidArgument));
            Assert.That(undefined.Existed, Is.False);
        });
        var listed = await Domains.ListDomainsAsync(new ListDomainsRequest(), deadline: Deadline());
        Assert.That(listed.Domains.Select(d => d.Name), Does.Not.Contain(name));

        async Task<StatusCode> CodeOf<T>(Func<AsyncUnaryCall<T>> call) =>
            (await Assert.ThrowsAsync<RpcException>(async () => await call()))!.StatusCode;
    }
}
