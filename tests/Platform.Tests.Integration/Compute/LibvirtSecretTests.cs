using System.Security.Cryptography;
using Platform.Agent.Compute.Libvirt;

namespace Platform.Tests.Integration.Compute;

/// <summary>cephx secrets as RBD disks need them: define, value, lookups, undefine.</summary>
public class LibvirtSecretTests : LibvirtTestBase
{
    [Test]
    public async Task Ceph_secret_is_defined_valued_found_by_uuid_and_usage_then_undefined()
    {
        var definition = new CephSecretDefinition(Guid.NewGuid(), $"client.itest {UniqueName("secret")}") { Description = "integration test <&>" };
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));

        using (var secret = await Connection.DefineSecretAsync(definition))
        {
            OnCleanUp(async () =>
            {
                try
                {
                    using var left = await Connection.GetSecretAsync(definition.Uuid);
                    await left.UndefineAsync();
                }
                catch (LibvirtSecretNotFoundException)
                {
                    // Undefined by the test, as it should be.
                }
            });
            await secret.SetCephKeyAsync(key);
            Assert.That(secret.Uuid, Is.EqualTo(definition.Uuid));
        }
        using (var byUuid = await Connection.GetSecretAsync(definition.Uuid))
        using (var byUsage = await Connection.GetSecretAsync(SecretUsageType.Ceph, definition.UsageName))
        {
            Assert.That(byUsage.Uuid, Is.EqualTo(definition.Uuid));
            await byUuid.UndefineAsync();
        }

        var error = await Assert.ThrowsAsync<LibvirtSecretNotFoundException>(() => Connection.GetSecretAsync(definition.Uuid));
        Assert.That(error!.Code, Is.EqualTo(LibvirtErrorCode.NoSecret));
        await Assert.ThrowsAsync<LibvirtSecretNotFoundException>(() => Connection.GetSecretAsync(SecretUsageType.Ceph, definition.UsageName));
    }
}
