// webhook-receiver: the test WebhookReceiver as a process, for shell tests.
//   webhook-receiver --port-file F --out FILE --secret-file S
// Listens on a free 127.0.0.1 port (answers 200 to every request), writes
// the port to F once it listens, and appends one JSON line per request to
// FILE, flushed per line:
//   {"path","eventIdHeader","signatureValid","id","type","roomId","time","data","body"}
// (the event's fields are null when the body is not an event object; `body`
// is the exact body, so a retry can be told from a different event).
// Exits 0 on SIGTERM or SIGINT, 2 for a bad command line or secret file.
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>

#include "support/webhook_receiver.hpp"

namespace {

volatile sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void member(Writer& w, const rapidjson::Value& event, const char* name) {
  w.Key(name);
  if (event.IsObject() && event.HasMember(name)) {
    event[name].Accept(w);
  } else {
    w.Null();
  }
}

std::string line_for(const signalmesh::test::WebhookReceiver::Request& r,
                     const std::string& secret) {
  const auto header = [&r](const char* name) {
    const auto it = r.headers.find(name);
    return it == r.headers.end() ? std::string() : it->second;
  };
  rapidjson::Document event;
  event.Parse(r.body.data(), r.body.size());
  if (event.HasParseError()) event.SetNull();
  rapidjson::StringBuffer out;
  Writer w(out);
  w.StartObject();
  w.Key("path");
  w.String(r.path);
  w.Key("eventIdHeader");
  w.String(header("signalmesh-event-id"));
  w.Key("signatureValid");
  w.Bool(signalmesh::test::signature_valid(header("signalmesh-signature"), secret, r.body));
  for (const char* name : {"id", "type", "roomId", "time", "data"}) member(w, event, name);
  w.Key("body");
  w.String(r.body);
  w.EndObject();
  return out.GetString();
}

}  // namespace

int main(int argc, char** argv) {
  std::string port_file, out_file, secret_file;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string arg = argv[i];
    if (arg == "--port-file") {
      port_file = argv[i + 1];
    } else if (arg == "--out") {
      out_file = argv[i + 1];
    } else if (arg == "--secret-file") {
      secret_file = argv[i + 1];
    }
  }
  if (argc != 7 || port_file.empty() || out_file.empty() || secret_file.empty()) {
    std::cerr << "usage: webhook-receiver --port-file F --out FILE --secret-file S\n";
    return 2;
  }
  std::string secret;
  {
    std::ifstream in(secret_file);
    if (!in || !std::getline(in, secret)) {
      std::cerr << "webhook-receiver: cannot read a secret from " << secret_file << "\n";
      return 2;
    }
    if (!secret.empty() && secret.back() == '\r') secret.pop_back();
  }
  std::FILE* out = std::fopen(out_file.c_str(), "a");
  if (out == nullptr) {
    std::cerr << "webhook-receiver: cannot open " << out_file << "\n";
    return 2;
  }
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);

  signalmesh::test::WebhookReceiver receiver;
  {
    const std::string url = receiver.url("");  // http://127.0.0.1:PORT
    const std::string tmp = port_file + ".tmp";
    std::ofstream(tmp) << url.substr(url.rfind(':') + 1) << "\n";
    std::rename(tmp.c_str(), port_file.c_str());  // the reader never sees half a port
  }
  std::size_t written = 0;
  for (;;) {
    const bool stopping = g_stop != 0;
    const auto requests = receiver.requests();
    for (; written < requests.size(); ++written) {
      const std::string line = line_for(requests[written], secret) + "\n";
      std::fwrite(line.data(), 1, line.size(), out);
      std::fflush(out);
    }
    if (stopping) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::fclose(out);
  return 0;
}
