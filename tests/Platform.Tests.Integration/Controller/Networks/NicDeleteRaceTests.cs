using System.Net;

namespace Platform.Tests.Integration.Controller.Networks;

/// <summary>Parallel deletes of one idle NIC: one wins, every loser hears that it is gone (issue: some heard "is idle; only an idle one can be deleted").</summary>
[TestFixture]
[NonParallelizable]
public sealed class NicDeleteRaceTests : ControllerTestBase
{
    [Test]
    public async Task One_of_many_parallel_deletes_wins_and_the_others_answer_not_found()
    {
        for (var round = 0; round < 5; round++)
        {
            var nic = (await Api.PostAsync("/api/v1/network/create", new { network_interface_name = Unique("race") })).Ok();
            var nicId = nic.GetProperty("network_interface_id").GetString()!;
            var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Api.PostAsync("/api/v1/network/delete", new { network_interface_id = nicId })));
            Assert.That(answers.Count(a => a.Code == 0), Is.EqualTo(1), string.Join("\n", answers.Select(a => a.Body)));
            Assert.That(answers.Where(a => a.Code != 0).Select(a => (a.Status, a.Code)), Is.All.EqualTo((HttpStatusCode.NotFound, 40403)),
                string.Join("\n", answers.Select(a => a.Body)));
        }
    }
}
