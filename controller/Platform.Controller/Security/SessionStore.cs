using System.Security.Claims;
using Dapper;
using Npgsql;

namespace Platform.Controller.Security;

/// <summary>A new session: the cookie's value, the token the console echoes in X-CSRF-Token, and its end.</summary>
internal sealed record NewSession(string SessionId, string Cookie, string CsrfToken, DateTimeOffset ExpiresAt);

/// <summary>
/// The console's sessions, kept in the database so every controller replica knows them and a
/// sign-out, a password change or a disabled user ends them everywhere at once.
/// </summary>
internal sealed class SessionStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    private sealed record SessionRow(string SessionId, string UserId, string Name, string Role, byte[] SecretHash, string CsrfToken);

    public async Task<NewSession> CreateAsync(string userId, TimeSpan lifetime, CancellationToken ct)
    {
        var sessionId = Credentials.NewId(Credentials.SessionIdPrefix);
        var secret = Credentials.NewSecret();
        var csrf = Credentials.NewSecret();
        var expiresAt = time.GetUtcNow() + lifetime;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            DELETE FROM sessions WHERE expires_at < now();
            INSERT INTO sessions (session_id, user_id, secret_hash, csrf_token, expires_at) VALUES (@sessionId, @userId, @hash, @csrf, @expiresAt);
            """,
            new { sessionId, userId, hash = Credentials.HashOf(secret), csrf, expiresAt }, cancellationToken: ct));
        return new NewSession(sessionId, Credentials.SessionCookie(sessionId, secret), csrf, expiresAt);
    }

    public async Task<ClaimsPrincipal?> AuthenticateAsync(string sessionId, string secret, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<SessionRow>(new CommandDefinition(
            """
            SELECT s.session_id, s.user_id, u.name, u.role, s.secret_hash, s.csrf_token
            FROM sessions s JOIN users u USING (user_id)
            WHERE s.session_id = @sessionId AND s.expires_at > now() AND NOT u.disabled
            """, new { sessionId }, cancellationToken: ct));
        return row is not null && Credentials.Matches(secret, row.SecretHash)
            ? Principals.User(row.UserId, row.Name, row.Role, SignInKind.Session, row.SessionId, row.CsrfToken)
            : null;
    }

    public async Task EndAsync(string sessionId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM sessions WHERE session_id = @sessionId", new { sessionId }, cancellationToken: ct));
    }
}
