using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Controller;

/// <summary>Users made through the API by the fixture's admin, with random passwords the secret scan knows.</summary>
public abstract partial class ControllerTestBase
{
    /// <summary>A new user of <paramref name="role"/>, named <paramref name="prefix"/> (default: the role) and a unique suffix.</summary>
    private protected async Task<(string Name, string Password)> CreateUserAsync(string role, string? prefix = null)
    {
        var name = Unique(prefix ?? role);
        var password = TestSecrets.Record("pw-" + Guid.NewGuid().ToString("N"), $"password of {name}");
        (await Api.PostAsync("/api/v1/users/create", new { name, role, password })).Ok();
        return (name, password);
    }

    /// <summary>A new user as <see cref="CreateUserAsync"/> makes one, with an API token of their own.</summary>
    private protected async Task<(string Name, string Password, string Token)> CreateUserWithTokenAsync(string role, string? prefix = null)
    {
        var (name, password) = await CreateUserAsync(role, prefix);
        return (name, password, await ApiSignIn.CreateTokenAsync(Controller.RestUrl, name, password));
    }
}
