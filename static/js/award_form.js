// The award form: choosing a provider reloads the page with it, so the provider's record
// (服务机构履约档案) shows below the form before the award is registered.
document.getElementById("id_provider")?.addEventListener("change", function () {
  const params = new URLSearchParams(window.location.search);
  params.set("provider", this.value);
  const project = document.getElementById("id_project");
  if (project && project.value) params.set("project", project.value);
  window.location.search = params.toString();
});
